// SPDX-License-Identifier: GPL-3.0-or-later
#include "remote/S3Store.h"

#include "util/Sha256.h"

#include <expat.h>

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
    std::vector<RemoteObject> out;
    std::string token;
    for (;;) {
        std::map<std::string, std::string> q{{"list-type", "2"}};
        if (!m_prefix.empty())
            q["prefix"] = m_prefix;
        if (!recursive)
            q["delimiter"] = "/";
        if (!token.empty())
            q["continuation-token"] = token;
        auto resp = m_http.perform(request("GET", "", q));
        const std::string url = "s3://" + m_bucket + "/" + m_prefix;
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
