// SPDX-License-Identifier: GPL-3.0-or-later
#include "remote/S3Store.h"

#include "util/Sha256.h"

#include <expat.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>

namespace podium::remote {

namespace {

/// Collects the text of the elements ListObjectsV2 and <Error> answers are made of.
struct XmlCollector {
    std::vector<std::string> path; ///< element names from the root
    std::string text;
    ListPage page;
    RemoteObject current;
    std::string errorCode, errorMessage;
    std::string uploadId, resultEtag; ///< of multipart and copy answers

    static void start(void* user, const XML_Char* name, const XML_Char**)
    {
        auto* c = static_cast<XmlCollector*>(user);
        c->path.emplace_back(name);
        c->text.clear();
        if (c->path.size() == 2 && c->path[1] == "Contents")
            c->current = {};
    }
    static void end(void* user, const XML_Char*)
    {
        auto* c = static_cast<XmlCollector*>(user);
        const auto& p = c->path;
        if (p.size() == 3 && p[1] == "Contents") {
            if (p[2] == "Key")
                c->current.rel = c->text;
            else if (p[2] == "Size")
                c->current.size = std::strtoull(c->text.c_str(), nullptr, 10);
            else if (p[2] == "LastModified")
                c->current.mtimeNs = parseHttpTime(c->text);
            else if (p[2] == "ETag")
                c->current.etag = c->text;
        } else if (p.size() == 2 && p[1] == "Contents") {
            c->page.objects.push_back(std::move(c->current));
        } else if (p.size() == 3 && p[1] == "CommonPrefixes" && p[2] == "Prefix") {
            c->page.commonPrefixes.push_back(c->text);
        } else if (p.size() == 2 && p[1] == "IsTruncated") {
            c->page.truncated = c->text == "true";
        } else if (p.size() == 2 && p[1] == "NextContinuationToken") {
            c->page.nextToken = c->text;
        } else if (p.size() == 2 && p[1] == "UploadId") {
            c->uploadId = c->text;
        } else if (p.size() == 2 && p[1] == "ETag") { // CopyObjectResult, CopyPartResult, CompleteMultipartUploadResult
            c->resultEtag = c->text;
        } else if (p.size() == 2 && p[0] == "Error" && p[1] == "Code") {
            c->errorCode = c->text;
        } else if (p.size() == 2 && p[0] == "Error" && p[1] == "Message") {
            c->errorMessage = c->text;
        }
        c->path.pop_back();
        c->text.clear();
    }
    static void chars(void* user, const XML_Char* s, int len)
    {
        static_cast<XmlCollector*>(user)->text.append(s, static_cast<std::size_t>(len));
    }
};

Result<XmlCollector> parseXml(std::string_view xml)
{
    XmlCollector c;
    XML_Parser p = XML_ParserCreate("UTF-8");
    XML_SetUserData(p, &c);
    XML_SetElementHandler(p, XmlCollector::start, XmlCollector::end);
    XML_SetCharacterDataHandler(p, XmlCollector::chars);
    const bool ok = XML_Parse(p, xml.data(), static_cast<int>(xml.size()), 1) == XML_STATUS_OK;
    const auto offset = static_cast<std::uint64_t>(XML_GetCurrentByteIndex(p));
    const std::string why = ok ? "" : XML_ErrorString(XML_GetErrorCode(p));
    XML_ParserFree(p);
    if (!ok)
        return Error(ErrorCode::RemoteBadListing, "the answer is not XML: " + why, offset, "listing");
    return c;
}

/// The body's SHA-256 as SigV4 wants it (lower-case hex); UNSIGNED-PAYLOAD when libcrypto is missing
/// (S3 accepts it over any transport).
std::string payloadSha256(const std::string& body)
{
    auto h = sha256Bytes(std::span(reinterpret_cast<const std::uint8_t*>(body.data()), body.size()));
    return h ? *h : std::string("UNSIGNED-PAYLOAD");
}

} // namespace

Result<ListPage> parseListObjectsV2(std::string_view xml)
{
    auto c = parseXml(xml);
    if (!c)
        return std::move(c).error();
    if (c->path.empty() && !c->errorCode.empty())
        return Error(ErrorCode::RemoteBadListing, "the server answered with an error: " + c->errorCode + " " + c->errorMessage);
    return std::move(c->page);
}

std::string s3ErrorText(std::string_view xml)
{
    auto c = parseXml(xml);
    if (!c || c->errorCode.empty())
        return {};
    return c->errorCode + (c->errorMessage.empty() ? "" : ": " + c->errorMessage);
}

Result<std::unique_ptr<S3Store>> S3Store::open(const std::string& url, const RemoteOptions& options, AwsConfig config)
{
    std::string_view rest(url);
    rest.remove_prefix(5); // "s3://"
    const auto slash = rest.find('/');
    std::string bucket(rest.substr(0, slash));
    std::string prefix = slash == std::string_view::npos ? std::string() : std::string(rest.substr(slash + 1));
    if (bucket.empty())
        return Error(ErrorCode::RemoteBadUrl, "no bucket in the URL (s3://BUCKET/prefix)").inFile(url);
    while (prefix.find("//") != std::string::npos)
        prefix.erase(prefix.find("//"), 1);
    if (!prefix.empty() && prefix.back() != '/')
        prefix.push_back('/');
    std::string location = "s3://" + bucket + (prefix.empty() ? "" : "/" + prefix.substr(0, prefix.size() - 1));
    return std::unique_ptr<S3Store>(new S3Store(std::move(location), options, std::move(config), std::move(bucket), std::move(prefix)));
}

HttpRequest S3Store::request(const std::string& method, const std::string& key,
                             const std::map<std::string, std::string>& query, std::string body) const
{
    HttpRequest r;
    r.method = method;
    std::string base;
    if (m_config.endpoint.empty()) {
        base = m_config.pathStyle ? "https://s3." + m_config.region + ".amazonaws.com/" + m_bucket
                                  : "https://" + m_bucket + ".s3." + m_config.region + ".amazonaws.com";
    } else if (m_config.pathStyle) {
        base = m_config.endpoint + "/" + m_bucket;
    } else { // virtual-hosted on a custom endpoint: the bucket before the host
        const auto scheme = m_config.endpoint.find("://");
        base = scheme == std::string::npos ? m_bucket + "." + m_config.endpoint
                                           : m_config.endpoint.substr(0, scheme + 3) + m_bucket + "." + m_config.endpoint.substr(scheme + 3);
    }
    // the bucket itself: no trailing '/' in path style (s3rver signs "/bucket", not "/bucket/"; S3 takes both)
    r.url = key.empty() ? (m_config.pathStyle ? base : base + "/") : base + "/" + percentEncode(key, true);
    // sorted by name (std::map), each name and value encoded; a bare sub-resource as `name=`
    std::string q;
    for (const auto& [name, value] : query)
        q += (q.empty() ? "?" : "&") + percentEncode(name, false) + "=" + percentEncode(value, false);
    r.url += q;
    const std::string payloadHash = body.empty() && method != "PUT" && method != "POST"
                                        ? std::string("UNSIGNED-PAYLOAD")
                                        : payloadSha256(body);
    r.headers.push_back("x-amz-content-sha256: " + payloadHash);
    if (!m_config.sessionToken.empty())
        r.headers.push_back("x-amz-security-token: " + m_config.sessionToken);
    r.body = std::move(body);
    if (!m_config.anonymous()) {
        r.awsSigV4 = "aws:amz:" + m_config.region + ":s3";
        r.userPwd = m_config.accessKey + ":" + m_config.secretKey;
    }
    return r;
}

HttpRequest S3Store::get(const RemoteObject& object, std::optional<std::pair<std::uint64_t, std::uint64_t>> range) const
{
    HttpRequest r = request("GET", m_prefix + object.rel);
    r.range = range;
    r.refuseWholeBody = !m_allowFull;
    return r;
}

Result<std::vector<RemoteObject>> S3Store::list(bool recursive)
{
    return listUnder("", recursive);
}

Result<std::vector<RemoteObject>> S3Store::listUnder(const std::string& relPrefix, bool recursive)
{
    std::vector<RemoteObject> out;
    std::string token;
    const std::string listed = m_prefix + relPrefix;
    for (;;) {
        std::map<std::string, std::string> q{{"list-type", "2"}};
        if (!listed.empty())
            q["prefix"] = listed;
        if (!recursive)
            q["delimiter"] = "/";
        if (!token.empty())
            q["continuation-token"] = token;
        auto resp = m_http.perform(request("GET", "", q));
        const std::string url = "s3://" + m_bucket + "/" + listed;
        if (!resp)
            return std::move(resp).error();
        if (resp->status != 200)
            return statusError(*resp, url, "listing");
        auto page = parseListObjectsV2(resp->text());
        if (!page)
            return std::move(page).error().inFile(url);
        for (auto& o : page->objects) {
            if (!o.rel.starts_with(m_prefix) || o.rel.size() == m_prefix.size() || o.rel.back() == '/')
                continue; // the prefix itself, or a "folder" marker object
            o.url = "s3://" + m_bucket + "/" + o.rel;
            o.rel = o.rel.substr(m_prefix.size());
            out.push_back(std::move(o));
        }
        if (!page->truncated)
            break;
        if (page->nextToken.empty() || page->nextToken == token)
            return Error(ErrorCode::RemoteBadListing, "the listing is truncated but gives no new continuation token").inFile(url);
        token = page->nextToken;
    }
    return out;
}

Result<RemoteObject> S3Store::object(const std::string& rel)
{
    RemoteObject o;
    o.rel = rel;
    o.url = "s3://" + m_bucket + "/" + m_prefix + rel;
    auto resp = m_http.perform(request("HEAD", m_prefix + rel));
    if (!resp)
        return std::move(resp).error();
    if (resp->status != 200)
        return statusError(*resp, o.url, "looking it up");
    o.size = std::strtoull(resp->header("content-length").c_str(), nullptr, 10);
    o.etag = resp->header("etag");
    o.mtimeNs = parseHttpTime(resp->header("last-modified"));
    return o;
}

Status S3Store::put(const std::string& rel, std::string_view bytes)
{
    const std::string key = m_prefix + rel;
    auto resp = m_http.perform(request("PUT", key, {}, std::string(bytes)));
    if (!resp)
        return std::move(resp).error();
    if (resp->status != 200)
        return statusError(*resp, "s3://" + m_bucket + "/" + key, "writing");
    return {};
}

Error S3Store::statusError(const HttpResponse& response, const std::string& url, const std::string& what) const
{
    Error e = RemoteStore::statusError(response, url, what);
    if (const auto server = s3ErrorText(response.text()); !server.empty())
        e.detail += " (" + server + ")";
    if (response.status == 403 || response.status == 400 || response.status == 401)
        e.detail += "; credentials: " + m_config.describe();
    return e;
}

} // namespace podium::remote

// ------------------------------------------------------------------------------------------------ writes

namespace podium::remote {

PartPlan planParts(const std::vector<Segment>& given, const S3Limits& limits)
{
    // adjacent pieces of the same kind joined, empty ones dropped
    std::vector<Segment> segs;
    for (const auto& s : given) {
        if (s.size() == 0)
            continue;
        if (!segs.empty() && !s.copied() && !segs.back().copied())
            segs.back().bytes.insert(segs.back().bytes.end(), s.bytes.begin(), s.bytes.end());
        else if (!segs.empty() && s.copied() && segs.back().copied() && segs.back().to == s.from)
            segs.back().to = s.to;
        else
            segs.push_back(s);
    }
    PartPlan plan;
    std::uint64_t total = 0;
    for (const auto& s : segs)
        total += s.size();
    auto account = [&](const PartPlan::Part& p) {
        for (const auto& piece : p.pieces)
            if (!p.copy) {
                plan.uploadBytes += piece.size();
                if (piece.copied())
                    plan.readBytes += piece.size();
            }
    };
    if (total < limits.partMin) { // too small for a multipart upload: one PUT
        plan.wholePut = true;
        plan.parts.push_back({segs, false});
        account(plan.parts.back());
        return plan;
    }
    PartPlan::Part pending;
    std::uint64_t pendingSize = 0;
    auto flush = [&] {
        if (pending.pieces.empty())
            return;
        account(pending);
        plan.parts.push_back(std::move(pending));
        pending = {};
        pendingSize = 0;
    };
    for (std::size_t i = 0; i < segs.size(); ++i) {
        const Segment& s = segs[i];
        const bool last = i + 1 == segs.size();
        if (!s.copied()) {
            pending.pieces.push_back(s);
            pendingSize += s.size();
            continue;
        }
        std::uint64_t a = s.from;
        if (pendingSize > 0 && pendingSize < limits.partMin) { // pad the uploaded part with source bytes
            const std::uint64_t take = std::min(limits.partMin - pendingSize, s.to - a);
            pending.pieces.push_back(Segment{a, a + take, {}});
            pendingSize += take;
            a += take;
        }
        if (a == s.to)
            continue;
        if (pendingSize >= limits.partMin)
            flush();
        const std::uint64_t len = s.to - a;
        if (len < limits.partMin && !(last && pending.pieces.empty())) { // too short to be a part: read it
            pending.pieces.push_back(Segment{a, s.to, {}});
            pendingSize += len;
            continue;
        }
        flush();
        // copy parts of about equal size, none above copyPart (so each is >= partMin when len >= partMin)
        const std::uint64_t n = std::max<std::uint64_t>(1, (len + limits.copyPart - 1) / limits.copyPart);
        for (std::uint64_t k = 0; k < n; ++k) {
            const std::uint64_t from = a + len * k / n, to = a + len * (k + 1) / n;
            plan.parts.push_back({{Segment{from, to, {}}}, true});
        }
    }
    flush();
    return plan;
}

std::string S3Store::copySource(const std::string& rel) const
{
    // x-amz-copy-source is "/bucket/key", URL-encoded. Characters S3 decodes the same either way ('/', '=',
    // the unreserved ones) stay raw: s3rver 5 looks the raw header value up and answers 404 to an encoded one.
    const std::string key = m_prefix + rel;
    std::string out = "/" + m_bucket + "/";
    static const char* hex = "0123456789ABCDEF";
    for (const unsigned char c : key) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '/' || c == '=')
            out.push_back(static_cast<char>(c));
        else {
            out.push_back('%');
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 15]);
        }
    }
    return out;
}

namespace {

/// The ETag of a copy/complete answer, or the error S3 can send inside a 200 answer.
Result<std::string> resultEtag(const HttpResponse& resp, const std::string& url, const std::string& what)
{
    auto c = parseXml(resp.text());
    if (!c)
        return std::move(c).error().inFile(url);
    if (!c->errorCode.empty())
        return Error(ErrorCode::RemoteHttpStatus, what + ": the server answered 200 with an error: " + c->errorCode + " " +
                                                      c->errorMessage).inFile(url);
    if (c->resultEtag.empty())
        return Error(ErrorCode::RemoteBadListing, what + ": the answer names no ETag").inFile(url);
    return c->resultEtag;
}

} // namespace

Result<std::string> S3Store::copy(const std::string& fromRel, const std::string& toRel, std::uint64_t size, const std::string& ifMatch)
{
    const std::string url = "s3://" + m_bucket + "/" + m_prefix + toRel;
    if (size > m_limits.copyMax) {
        const PartPlan plan = planParts({Segment{0, size, {}}}, m_limits);
        return multipart(m_prefix + toRel, plan.parts, fromRel, ifMatch, nullptr);
    }
    HttpRequest r = request("PUT", m_prefix + toRel);
    r.headers.push_back("x-amz-copy-source: " + copySource(fromRel));
    if (!ifMatch.empty())
        r.headers.push_back("x-amz-copy-source-if-match: " + ifMatch);
    auto resp = m_http.perform(r);
    if (!resp)
        return std::move(resp).error();
    if (resp->status == 412)
        return Error(ErrorCode::RemoteNotConfirmed, "'" + fromRel + "' changed since it was read (its ETag is no longer " + ifMatch +
                                                        "); nothing was copied").inFile(url);
    if (resp->status != 200)
        return statusError(*resp, url, "copying '" + fromRel + "' here");
    return resultEtag(*resp, url, "copying '" + fromRel + "'");
}

Status S3Store::remove(const std::string& rel)
{
    const std::string url = "s3://" + m_bucket + "/" + m_prefix + rel;
    auto resp = m_http.perform(request("DELETE", m_prefix + rel));
    if (!resp)
        return std::move(resp).error();
    if (resp->status != 204 && resp->status != 200 && resp->status != 404)
        return statusError(*resp, url, "deleting");
    return {};
}

Result<std::vector<std::uint8_t>> S3Store::readRange(const std::string& rel, std::uint64_t from, std::uint64_t to)
{
    if (to <= from)
        return std::vector<std::uint8_t>{};
    RemoteObject o;
    o.rel = rel;
    o.url = "s3://" + m_bucket + "/" + m_prefix + rel;
    auto resp = m_http.perform(get(o, std::make_pair(from, to - 1)));
    if (!resp)
        return std::move(resp).error();
    if (resp->status != 206)
        return statusError(*resp, o.url, "reading bytes " + std::to_string(from) + "-" + std::to_string(to - 1));
    if (resp->body.size() != to - from)
        return Error(ErrorCode::IoReadFailed, "asked for " + std::to_string(to - from) + " bytes, the server sent " +
                                                  std::to_string(resp->body.size()), from).inFile(o.url);
    return std::move(resp->body);
}

Result<std::string> S3Store::writeSpliced(const std::string& rel, const std::string& sourceRel, const std::string& sourceEtag,
                                          const std::vector<Segment>& segments, std::uint64_t* uploaded)
{
    const PartPlan plan = planParts(segments, m_limits);
    if (!plan.wholePut)
        return multipart(m_prefix + rel, plan.parts, sourceRel, sourceEtag, uploaded);
    std::string body;
    for (const auto& piece : plan.parts.front().pieces) {
        if (!piece.copied()) {
            body.append(reinterpret_cast<const char*>(piece.bytes.data()), piece.bytes.size());
            continue;
        }
        auto bytes = readRange(sourceRel, piece.from, piece.to);
        if (!bytes)
            return std::move(bytes).error();
        body.append(reinterpret_cast<const char*>(bytes->data()), bytes->size());
    }
    const std::string url = "s3://" + m_bucket + "/" + m_prefix + rel;
    const std::size_t n = body.size();
    auto resp = m_http.perform(request("PUT", m_prefix + rel, {}, std::move(body)));
    if (!resp)
        return std::move(resp).error();
    if (resp->status != 200)
        return statusError(*resp, url, "writing");
    if (uploaded)
        *uploaded += n;
    return resp->header("etag");
}

Result<std::string> S3Store::multipart(const std::string& key, const std::vector<PartPlan::Part>& parts,
                                       const std::string& sourceRel, const std::string& sourceEtag, std::uint64_t* uploaded)
{
    const std::string url = "s3://" + m_bucket + "/" + key;
    auto started = m_http.perform(request("POST", key, {{"uploads", ""}}));
    if (!started)
        return std::move(started).error();
    if (started->status != 200)
        return statusError(*started, url, "starting a multipart upload");
    auto info = parseXml(started->text());
    if (!info || info->uploadId.empty())
        return Error(ErrorCode::RemoteBadListing, "the multipart upload's answer names no UploadId").inFile(url);
    const std::string uploadId = info->uploadId;
    auto abort = [&](Error e) -> Error {
        // S3 keeps the parts of an upload never completed nor aborted (and bills them); s3rver answers 405
        // here, which is why a failure of the abort is not reported over the error that caused it.
        (void)m_http.perform(request("DELETE", key, {{"uploadId", uploadId}}));
        return e;
    };
    std::string complete = "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">";
    for (std::size_t i = 0; i < parts.size(); ++i) {
        const auto& part = parts[i];
        const std::string number = std::to_string(i + 1);
        std::string etag;
        if (part.copy) {
            const auto& r = part.pieces.front();
            HttpRequest q = request("PUT", key, {{"partNumber", number}, {"uploadId", uploadId}});
            q.headers.push_back("x-amz-copy-source: " + copySource(sourceRel));
            q.headers.push_back("x-amz-copy-source-range: bytes=" + std::to_string(r.from) + "-" + std::to_string(r.to - 1));
            if (!sourceEtag.empty())
                q.headers.push_back("x-amz-copy-source-if-match: " + sourceEtag);
            auto resp = m_http.perform(q);
            if (!resp)
                return abort(std::move(resp).error());
            if (resp->status == 412)
                return abort(Error(ErrorCode::RemoteNotConfirmed, "'" + sourceRel + "' changed since it was read; nothing was written").inFile(url));
            if (resp->status != 200)
                return abort(statusError(*resp, url, "copying part " + number));
            auto e = resultEtag(*resp, url, "copying part " + number);
            if (!e)
                return abort(std::move(e).error());
            etag = *e;
        } else {
            std::string body;
            for (const auto& piece : part.pieces) {
                if (!piece.copied()) {
                    body.append(reinterpret_cast<const char*>(piece.bytes.data()), piece.bytes.size());
                    continue;
                }
                auto bytes = readRange(sourceRel, piece.from, piece.to);
                if (!bytes)
                    return abort(std::move(bytes).error());
                body.append(reinterpret_cast<const char*>(bytes->data()), bytes->size());
            }
            const std::size_t n = body.size();
            auto resp = m_http.perform(request("PUT", key, {{"partNumber", number}, {"uploadId", uploadId}}, std::move(body)));
            if (!resp)
                return abort(std::move(resp).error());
            if (resp->status != 200)
                return abort(statusError(*resp, url, "uploading part " + number));
            etag = resp->header("etag");
            if (uploaded)
                *uploaded += n;
        }
        complete += "<Part><PartNumber>" + number + "</PartNumber><ETag>" + etag + "</ETag></Part>";
    }
    complete += "</CompleteMultipartUpload>";
    auto done = m_http.perform(request("POST", key, {{"uploadId", uploadId}}, complete));
    if (!done)
        return abort(std::move(done).error());
    if (done->status != 200)
        return abort(statusError(*done, url, "completing the multipart upload"));
    auto e = resultEtag(*done, url, "completing the multipart upload");
    if (!e)
        return abort(std::move(e).error());
    return e;
}

} // namespace podium::remote
