// SPDX-License-Identifier: GPL-3.0-or-later
#include "remote/HttpStore.h"

#include "remote/RemoteSource.h"


namespace podium::remote {

namespace {

/// The URL without query or fragment.
std::string_view pathPart(std::string_view url)
{
    const auto cut = url.find_first_of("?#");
    return cut == std::string_view::npos ? url : url.substr(0, cut);
}

std::string percentDecode(std::string_view s)
{
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
            std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
            out.push_back(static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16)));
            i += 2;
        } else {
            out.push_back(s[i]);
        }
    }
    return out;
}

} // namespace

Result<std::unique_ptr<HttpStore>> HttpStore::open(std::vector<std::string> urls, const RemoteOptions& options)
{
    if (urls.empty())
        return Error(ErrorCode::RemoteBadUrl, "no URL given");
    for (const auto& u : urls) {
        const auto scheme = u.find("://");
        const auto hostEnd = scheme == std::string::npos ? std::string::npos : u.find('/', scheme + 3);
        if (scheme == std::string::npos || hostEnd == std::string::npos || hostEnd == scheme + 3 ||
            pathPart(u).size() <= hostEnd + 1 || pathPart(u).back() == '/')
            return Error(ErrorCode::RemoteBadUrl, "an HTTP location is the URL of a file (HTTP has no listing: give the "
                                                  "checkpoint's URL, or a list of URLs)").inFile(u);
    }
    // the location: the longest directory all URLs share (one URL: its directory)
    std::string location(pathPart(urls.front()));
    location.erase(location.rfind('/'));
    for (const auto& u : urls) {
        const std::string_view p = pathPart(u);
        while (!(p.size() > location.size() && p.starts_with(location) && p[location.size()] == '/')) {
            const auto slash = location.rfind('/');
            if (slash == std::string::npos || slash < location.find("://") + 3)
                break;
            location.erase(slash);
        }
    }
    return std::unique_ptr<HttpStore>(new HttpStore(std::move(location), options, std::move(urls)));
}

HttpRequest HttpStore::get(const RemoteObject& object, std::optional<std::pair<std::uint64_t, std::uint64_t>> range) const
{
    HttpRequest r;
    r.url = object.url;
    r.range = range;
    r.refuseWholeBody = !m_allowFull;
    return r;
}

Result<RemoteObject> HttpStore::describe(const std::string& url)
{
    RemoteObject o;
    o.url = url;
    o.rel = relOf(url);
    HttpRequest head;
    head.method = "HEAD";
    head.url = url;
    auto resp = m_http.perform(head);
    if (!resp)
        return std::move(resp).error();
    const std::string length = resp->header("content-length");
    if (resp->status == 200 && !length.empty() && resp->header("content-encoding").empty()) {
        o.size = std::stoull(length);
    } else if (resp->status == 404 || resp->status == 403 || resp->status == 401 || resp->status == 410) {
        return statusError(*resp, url, "looking it up");
    } else {
        // HEAD refused or without a length: the size from a ranged GET's Content-Range ("bytes 0-1/12345")
        HttpRequest probe;
        probe.url = url;
        probe.range = std::make_pair(std::uint64_t{0}, std::uint64_t{1});
        resp = m_http.perform(probe);
        if (!resp)
            return std::move(resp).error();
        const std::string cr = resp->header("content-range");
        const auto slash = cr.rfind('/');
        if (resp->status == 206 && slash != std::string::npos && cr.substr(slash + 1) != "*")
            o.size = std::stoull(cr.substr(slash + 1));
        else if (resp->wholeBodyRefused)
            return noRangesError(url);
        else
            return statusError(*resp, url, "finding its size");
    }
    o.etag = resp->header("etag");
    o.mtimeNs = parseHttpTime(resp->header("last-modified"));
    return o;
}

Result<RemoteStore::Probe> HttpStore::probe(const RemoteObject& object, std::uint64_t headLen)
{
    if (object.sized || headLen == 0)
        return RemoteStore::probe(object, headLen);
    HttpRequest r = get(object, std::make_pair(std::uint64_t{0}, headLen - 1));
    auto resp = m_http.perform(r);
    if (!resp)
        return std::move(resp).error();
    Probe p;
    p.object = object;
    p.object.sized = true;
    const std::string cr = resp->header("content-range"); // "bytes 0-65535/1128805", or "bytes */0" with 416
    const auto slash = cr.rfind('/');
    const std::string total = slash == std::string::npos ? std::string() : cr.substr(slash + 1);
    const bool numeric = !total.empty() && total.find_first_not_of("0123456789") == std::string::npos && total.size() < 20;
    if (resp->wholeBodyRefused)
        return noRangesError(object.url);
    if (resp->status == 206 && numeric) {
        p.object.size = std::stoull(total);
        const std::uint64_t expect = std::min(p.object.size, headLen);
        if (resp->body.size() != expect || !cr.starts_with("bytes 0-"))
            return Error(ErrorCode::IoReadFailed, "asked for bytes 0-" + std::to_string(headLen - 1) + ", the server sent " +
                                                      std::to_string(resp->body.size()) + " bytes as '" + cr + "'").inFile(object.url);
        p.head = std::move(resp->body);
    } else if (resp->status == 416 && numeric && std::stoull(total) == 0) {
        p.object.size = 0; // an empty file: no byte to range over
    } else if (resp->status == 200 && !resp->header("content-encoding").empty()) {
        return statusError(*resp, object.url, "reading its first bytes (the server sent them encoded)");
    } else if (resp->status == 200) { // ranges ignored, and a whole download allowed
        p.object.size = resp->body.size();
        p.head = std::move(resp->body);
        p.whole = true;
    } else {
        return statusError(*resp, object.url, "reading its first bytes");
    }
    p.object.etag = resp->header("etag");
    p.object.mtimeNs = parseHttpTime(resp->header("last-modified"));
    return p;
}

Result<RemoteObject> HttpStore::object(const std::string& rel)
{
    for (const auto& u : m_urls)
        if (relOf(u) == rel)
            return describe(u);
    return Error(ErrorCode::RemoteNotFound, "not one of the URLs given").inFile(m_location + "/" + rel);
}

std::string HttpStore::relOf(const std::string& url) const
{
    const std::string_view p = pathPart(url);
    if (p.size() > m_location.size() + 1 && p.starts_with(m_location) && p[m_location.size()] == '/')
        return percentDecode(p.substr(m_location.size() + 1));
    return percentDecode(p.substr(p.find("://") + 3)); // another server: its host and path
}

Result<std::vector<RemoteObject>> HttpStore::list(bool)
{
    std::vector<RemoteObject> out;
    for (const auto& u : m_urls) {
        RemoteObject o;
        o.url = u;
        o.rel = relOf(u);
        o.sized = false;
        out.push_back(std::move(o));
    }
    return out;
}

} // namespace podium::remote
