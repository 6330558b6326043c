// SPDX-License-Identifier: GPL-3.0-or-later
// HttpClient: blocking requests from any thread over one libcurl multi handle.
//
// One thread drives the multi handle (curl_multi_poll); callers hand it requests and wait. So a scan's
// workers each read "their" checkpoint with plain blocking calls while every transfer shares one
// connection pool: keep-alive, HTTP/2 multiplexing where the server offers it, and at most
// `connections` connections in all (CURLMOPT_MAX_TOTAL_CONNECTIONS; further requests queue in libcurl).
// Transient failures (connection refused or reset, timeouts, 5xx, 429) are retried with exponential
// backoff; everything else is returned at once. TLS is verified against the system store, or
// $SSL_CERT_FILE, unless `insecure`.
#pragma once

#include "util/Result.h"

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace podium::remote {

struct HttpOptions {
    unsigned connections = 32;  ///< connections in flight at most
    bool insecure = false;      ///< skip TLS verification (only when the user asks: --insecure)
    int retries = 4;            ///< attempts after the first, for transient failures
    long connectTimeoutMs = 10000;
    long stallTimeoutS = 30;    ///< abort a transfer that moved no byte for this long
    unsigned backoffMs = 200;   ///< first retry delay; doubled each time
};

struct HttpRequest {
    std::string method = "GET"; ///< GET, HEAD, PUT, POST, DELETE
    std::string url;
    std::vector<std::string> headers; ///< "Name: value"
    /// Inclusive byte range [first, last]; sent as `Range: bytes=first-last` (never a suffix range).
    std::optional<std::pair<std::uint64_t, std::uint64_t>> range;
    /// With a range: a 200 answer (the server ignores ranges and sends the whole object) is refused after
    /// its headers, before its body is downloaded.
    bool refuseWholeBody = true;
    std::string body;         ///< PUT/POST payload
    std::string awsSigV4;     ///< CURLOPT_AWS_SIGV4 provider string ("aws:amz:us-east-1:s3"), or ""
    std::string userPwd;      ///< "key:secret" for SigV4 (never logged)
};

struct HttpResponse {
    long status = 0;
    std::map<std::string, std::string> headers; ///< of the final response, names in lower case
    std::vector<std::uint8_t> body;
    std::string effectiveUrl; ///< after redirects
    bool wholeBodyRefused = false; ///< a range was answered with 200 and the transfer stopped
    std::string header(const std::string& lowerName) const;
    std::string text() const { return std::string(body.begin(), body.end()); }
};

class HttpClient {
public:
    explicit HttpClient(HttpOptions options = {});
    ~HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;

    /// Performs `request` (retrying transient failures) and returns the final response, whatever its
    /// status. Errors (RemoteFailed) only when no response came: DNS, connection, TLS, timeouts.
    Result<HttpResponse> perform(const HttpRequest& request);

    const HttpOptions& options() const noexcept { return m_options; }
    /// Totals over every transfer so far: body bytes received, header bytes received, requests sent
    /// (retries included), bytes sent in bodies.
    std::uint64_t bodyBytes() const noexcept { return m_bodyBytes.load(); }
    std::uint64_t headerBytes() const noexcept { return m_headerBytes.load(); }
    std::uint64_t requests() const noexcept { return m_requests.load(); }
    std::uint64_t uploadedBytes() const noexcept { return m_uploaded.load(); }

    struct Job;  ///< one transfer (HttpClient.cpp; public for libcurl's callbacks)

private:
    struct Loop;
    Result<HttpResponse> performOnce(const HttpRequest& request, bool& transient);

    HttpOptions m_options;
    std::unique_ptr<Loop> m_loop;
    std::atomic<std::uint64_t> m_bodyBytes{0}, m_headerBytes{0}, m_requests{0}, m_uploaded{0};
};

/// RFC 3986 percent-encoding of everything but unreserved characters (and '/' when `keepSlash`): what
/// SigV4's canonical request expects of object keys and query values.
std::string percentEncode(std::string_view text, bool keepSlash);

} // namespace podium::remote
