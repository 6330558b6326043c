// SPDX-License-Identifier: GPL-3.0-or-later
// HttpStore: checkpoints on a web server (a model hub's `…/resolve/main/model.ckpt`, nginx, a CDN). HTTP has
// no listing: the store is one URL or a list of URLs, each one object whose size comes from the
// Content-Range of the first ranged read (probe; a scan's first read of every checkpoint), or, for
// object(), from a HEAD request after redirects (Content-Length; when HEAD is refused, a two-byte range's
// Content-Range). The location is the directory the URLs share; objects are named by their path under it.
#pragma once

#include "remote/RemoteStore.h"

namespace podium::remote {

class HttpStore final : public RemoteStore {
public:
    /// One URL, or several (a list file's lines): `location()` is the first one's directory.
    static Result<std::unique_ptr<HttpStore>> open(std::vector<std::string> urls, const RemoteOptions& options);

    Result<std::vector<RemoteObject>> list(bool recursive) override;
    Result<RemoteObject> object(const std::string& rel) override;
    Result<Probe> probe(const RemoteObject& object, std::uint64_t headLen) override;
    HttpRequest get(const RemoteObject& object, std::optional<std::pair<std::uint64_t, std::uint64_t>> range) const override;

private:
    HttpStore(std::string location, const RemoteOptions& options, std::vector<std::string> urls)
        : RemoteStore(std::move(location), options), m_urls(std::move(urls)) {}
    Result<RemoteObject> describe(const std::string& url);
    std::string relOf(const std::string& url) const; ///< the URL's path under the location
    std::vector<std::string> m_urls;
};

} // namespace podium::remote
