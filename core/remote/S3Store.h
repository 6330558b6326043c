// SPDX-License-Identifier: GPL-3.0-or-later
// S3Store: an S3 prefix. Requests are signed with SigV4 by libcurl (CURLOPT_AWS_SIGV4); what curl 7.88
// leaves to its caller is done here: the x-amz-content-sha256 header (UNSIGNED-PAYLOAD for reads, the
// body's SHA-256 for writes), query parameters sorted by name, every key and value percent-encoded (RFC
// 3986), a bare sub-resource written `?uploads=`. ListObjectsV2 pages are followed by continuation token;
// its XML is read with expat.
#pragma once

#include "remote/AwsConfig.h"
#include "remote/RemoteStore.h"

#include <map>

namespace podium::remote {

class S3Store final : public RemoteStore {
public:
    /// `url` is s3://bucket[/prefix].
    static Result<std::unique_ptr<S3Store>> open(const std::string& url, const RemoteOptions& options, AwsConfig config);

    Result<std::vector<RemoteObject>> list(bool recursive) override;
    Result<RemoteObject> object(const std::string& rel) override;
    HttpRequest get(const RemoteObject& object, std::optional<std::pair<std::uint64_t, std::uint64_t>> range) const override;
    Status put(const std::string& rel, std::string_view bytes) override;
    Error statusError(const HttpResponse& response, const std::string& url, const std::string& what) const override;

    /// A signed request for `key` of the bucket ("" = the bucket itself) with `query` (sorted, encoded here).
    HttpRequest request(const std::string& method, const std::string& key,
                        const std::map<std::string, std::string>& query = {}, std::string body = {}) const;
    const std::string& bucket() const noexcept { return m_bucket; }
    const std::string& prefix() const noexcept { return m_prefix; } ///< "" or ending in '/'
    const AwsConfig& config() const noexcept { return m_config; }

private:
    S3Store(std::string location, const RemoteOptions& options, AwsConfig config, std::string bucket, std::string prefix)
        : RemoteStore(std::move(location), options), m_config(std::move(config)), m_bucket(std::move(bucket)),
          m_prefix(std::move(prefix)) {}
    AwsConfig m_config;
    std::string m_bucket;
    std::string m_prefix;
};

/// One page of a ListObjectsV2 answer.
struct ListPage {
    std::vector<RemoteObject> objects; ///< rel = the key
    std::vector<std::string> commonPrefixes;
    bool truncated = false;
    std::string nextToken;
};
/// Parses ListObjectsV2's XML. Errors: RemoteBadListing with the parser's byte offset.
Result<ListPage> parseListObjectsV2(std::string_view xml);
/// The Code and Message of an S3 <Error> document ("" when it is not one).
std::string s3ErrorText(std::string_view xml);

} // namespace podium::remote
