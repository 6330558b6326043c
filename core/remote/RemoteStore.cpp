// SPDX-License-Identifier: GPL-3.0-or-later
#include "remote/RemoteStore.h"

#include "remote/HttpStore.h"
#include "remote/S3Store.h"

#include <ctime>
#include <fstream>

namespace podium::remote {

bool isRemoteUrl(std::string_view text)
{
    return text.starts_with("s3://") || text.starts_with("http://") || text.starts_with("https://") ||
           (text.starts_with("@") && text.size() > 1);
}

Result<std::unique_ptr<RemoteStore>> RemoteStore::open(const std::string& url, const RemoteOptions& options)
{
    if (url.starts_with("s3://")) {
        auto s = S3Store::open(url, options, AwsConfig::fromEnvironment());
        if (!s)
            return std::move(s).error();
        return std::unique_ptr<RemoteStore>(std::move(*s));
    }
    if (url.starts_with("http://") || url.starts_with("https://")) {
        auto h = HttpStore::open({url}, options);
        if (!h)
            return std::move(h).error();
        return std::unique_ptr<RemoteStore>(std::move(*h));
    }
    if (url.starts_with("@")) { // a list of URLs, one per line (HTTP has no listing)
        std::ifstream in(url.substr(1));
        if (!in)
            return Error(ErrorCode::RemoteBadUrl, "cannot read the list of URLs").inFile(url.substr(1));
        std::vector<std::string> urls;
        for (std::string line; std::getline(in, line);) {
            while (!line.empty() && (line.back() == '\r' || line.back() == ' '))
                line.pop_back();
            if (line.empty() || line.starts_with("#"))
                continue;
            if (!line.starts_with("http://") && !line.starts_with("https://"))
                return Error(ErrorCode::RemoteBadUrl, "a list of URLs holds http(s):// URLs, one per line; found '" + line + "'")
                    .inFile(url.substr(1));
            urls.push_back(line);
        }
        auto h = HttpStore::open(std::move(urls), options);
        if (!h)
            return std::move(h).error();
        return std::unique_ptr<RemoteStore>(std::move(*h));
    }
    return Error(ErrorCode::RemoteBadUrl, "not a remote location (s3://, http://, https://, @LIST-OF-URLS)").inFile(url);
}

Result<std::pair<std::unique_ptr<RemoteStore>, RemoteObject>> openObject(const std::string& url, const RemoteOptions& options)
{
    std::string parent = url, rel;
    if (url.starts_with("s3://")) {
        const auto slash = url.rfind('/');
        if (slash == std::string::npos || slash < 5 || slash + 1 == url.size())
            return Error(ErrorCode::RemoteBadUrl, "not the URL of an object (s3://BUCKET/KEY)").inFile(url);
        parent = url.substr(0, slash);
        rel = url.substr(slash + 1);
    }
    auto store = RemoteStore::open(parent, options);
    if (!store)
        return std::move(store).error();
    if (!url.starts_with("s3://")) { // an HTTP URL: sized by the first read (RemoteStore::probe)
        auto all = (*store)->list(false);
        if (!all)
            return std::move(all).error();
        return std::make_pair(std::move(*store), std::move(all->front()));
    }
    auto obj = (*store)->object(rel);
    if (!obj)
        return std::move(obj).error();
    return std::make_pair(std::move(*store), std::move(*obj));
}

Result<RemoteStore::Probe> RemoteStore::probe(const RemoteObject& object, std::uint64_t)
{
    if (object.sized)
        return Probe{object, {}, false};
    auto sized = this->object(object.rel);
    if (!sized)
        return std::move(sized).error();
    return Probe{std::move(*sized), {}, false};
}

Status RemoteStore::put(const std::string& rel, std::string_view)
{
    return Error(ErrorCode::RemoteFailed, "this location cannot be written to (HTTP is read-only here)")
        .inFile(m_location + "/" + rel);
}

Result<std::vector<std::uint8_t>> RemoteStore::fetch(const RemoteObject& object)
{
    if (object.size == 0)
        return std::vector<std::uint8_t>{};
    HttpRequest r = get(object, std::make_pair(std::uint64_t{0}, object.size - 1));
    r.refuseWholeBody = false; // a small file: a server without ranges may send it whole
    auto resp = m_http.perform(r);
    if (!resp)
        return std::move(resp).error();
    if (resp->status != 200 && resp->status != 206)
        return statusError(*resp, object.url, "reading");
    return std::move(resp->body);
}

Error RemoteStore::statusError(const HttpResponse& response, const std::string& url, const std::string& what) const
{
    const long s = response.status;
    const std::string head = "HTTP " + std::to_string(s) + " while " + what;
    if (s == 404 || s == 410)
        return Error(ErrorCode::RemoteNotFound, head + ": no such object").inFile(url);
    if (s == 401 || s == 403)
        return Error(ErrorCode::RemoteForbidden, head + ": access denied").inFile(url);
    return Error(ErrorCode::RemoteHttpStatus, head).inFile(url);
}

std::int64_t parseHttpTime(std::string_view text)
{
    std::tm tm{};
    const std::string t(text);
    const char* end = nullptr;
    if (t.size() >= 19 && t[4] == '-' && t[10] == 'T')
        end = strptime(t.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
    else if (t.size() >= 25)
        end = strptime(t.c_str(), "%a, %d %b %Y %H:%M:%S", &tm);
    if (!end)
        return 0;
    std::int64_t ns = static_cast<std::int64_t>(timegm(&tm)) * 1000000000;
    if (*end == '.') { // fractions of a second
        std::int64_t scale = 100000000;
        for (++end; *end >= '0' && *end <= '9' && scale > 0; ++end, scale /= 10)
            ns += (*end - '0') * scale;
    }
    return ns;
}

} // namespace podium::remote
