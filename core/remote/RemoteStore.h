// SPDX-License-Identifier: GPL-3.0-or-later
// RemoteStore: a location that is not on this machine — an S3 prefix (`s3://bucket/prefix/`, AWS or any
// S3-compatible store) or an HTTP(S) URL — seen as what a scan needs: a listing of objects with their
// sizes, ranged reads of one object, whole reads of small ones (logs, configuration), and a write (a
// manifest). Objects are named relative to the location, '/'-separated, like files of a folder.
//
// HTTP has no listing: a URL is one object (its size from HEAD, after redirects).
#pragma once

#include "remote/HttpClient.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace podium::remote {

struct RemoteObject {
    std::string rel;        ///< relative to the location
    std::string url;        ///< what results call it: s3://bucket/key or the http(s) URL
    std::uint64_t size = 0;
    std::int64_t mtimeNs = 0; ///< LastModified / Last-Modified, 0 when unknown
    std::string etag;
    /// False when the listing did not give the size (HTTP: a URL list): object(rel) asks the server, which a
    /// scan does on its workers, file by file, right before reading.
    bool sized = true;
};

/// True for s3://, http:// and https:// locations, and @FILE (a file listing http(s) URLs, one per line).
bool isRemoteUrl(std::string_view text);

struct RemoteOptions {
    HttpOptions http;
    bool allowFullDownload = false; ///< read a whole object from a server that ignores byte ranges
};

class RemoteStore {
public:
    /// Parses `url` and sets up its client (for S3: credentials, region, endpoint as the AWS CLI finds
    /// them). Errors: RemoteBadUrl.
    static Result<std::unique_ptr<RemoteStore>> open(const std::string& url, const RemoteOptions& options = {});
    virtual ~RemoteStore() = default;

    /// The location, without a trailing '/' (s3://bucket/prefix, or the directory of an http URL).
    const std::string& location() const noexcept { return m_location; }
    /// The objects under the location: with `recursive` all of them, else those directly in it (HTTP:
    /// the URLs given, not yet sized).
    virtual Result<std::vector<RemoteObject>> list(bool recursive) = 0;
    /// One object by its name relative to the location (a HEAD request: size, time, ETag).
    virtual Result<RemoteObject> object(const std::string& rel) = 0;
    /// What reading `object` starts with: the object sized (when the listing did not size it) and, where
    /// the same answer can bring them, its first `headLen` bytes. HTTP: one ranged GET of [0, headLen)
    /// whose Content-Range gives the size — the HEAD it replaces would cost a round trip of its own.
    /// `whole`: the server ignored the range and sent everything (only with --allow-full-download).
    struct Probe {
        RemoteObject object;
        std::vector<std::uint8_t> head;
        bool whole = false;
    };
    virtual Result<Probe> probe(const RemoteObject& object, std::uint64_t headLen);
    /// The request that reads `object` (its `range`, inclusive, when given).
    virtual HttpRequest get(const RemoteObject& object,
                            std::optional<std::pair<std::uint64_t, std::uint64_t>> range) const = 0;
    /// Writes `bytes` as the object `rel` (S3 only).
    virtual Status put(const std::string& rel, std::string_view bytes);
    /// Reads a whole (small) object.
    Result<std::vector<std::uint8_t>> fetch(const RemoteObject& object);
    /// The error for an answer that is not a success: 403 says which credentials were used, 404 what
    /// was missing, anything else the status and the server's own message.
    virtual Error statusError(const HttpResponse& response, const std::string& url, const std::string& what) const;

    HttpClient& http() noexcept { return m_http; }
    bool allowFullDownload() const noexcept { return m_allowFull; }

protected:
    RemoteStore(std::string location, const RemoteOptions& options)
        : m_location(std::move(location)), m_http(options.http), m_allowFull(options.allowFullDownload) {}
    std::string m_location;
    HttpClient m_http;
    bool m_allowFull = false;
};

/// The store of the location holding the object `url` (its parent prefix or directory) and the object.
Result<std::pair<std::unique_ptr<RemoteStore>, RemoteObject>> openObject(const std::string& url, const RemoteOptions& options = {});

/// Parses an HTTP date (RFC 7231 IMF-fixdate) or an ISO 8601 UTC time ("2026-12-01T16:00:00.000Z") to
/// nanoseconds since the epoch; 0 when it is neither.
std::int64_t parseHttpTime(std::string_view text);

} // namespace podium::remote
