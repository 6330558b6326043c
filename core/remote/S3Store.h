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

/// S3's part rules: every part of a multipart upload but the last has at least `partMin` bytes, a part or a
/// CopyObject at most `copyMax` (5 GiB on AWS); multipart copies use parts of `copyPart` bytes.
struct S3Limits {
    std::uint64_t partMin = 5ull << 20;
    std::uint64_t copyMax = 5ull << 30;
    std::uint64_t copyPart = 512ull << 20;
};

/// One piece of an object written by S3Store::writeSpliced: bytes of the source object [from, to), copied
/// server-side, or bytes given here.
struct Segment {
    std::uint64_t from = 0, to = 0;   ///< a copied range (when `bytes` is empty and to > from)
    std::vector<std::uint8_t> bytes;  ///< given bytes
    bool copied() const noexcept { return bytes.empty(); }
    std::uint64_t size() const noexcept { return copied() ? to - from : bytes.size(); }
};

/// How writeSpliced puts `segments` together under `limits`: parts, each a server-side copy of a range or
/// bytes to upload (a copied range too short to be a part of its own is read and uploaded with its
/// neighbours; a given-bytes part too short is padded with the following copied bytes, read). One part of
/// uploaded bytes = one whole PUT (an object under the part minimum). Pure: `readSource` is not called, the
/// parts say which source bytes to read.
struct PartPlan {
    struct Part {
        std::vector<Segment> pieces;  ///< one copied range (a copy part), or pieces to concatenate and upload
        bool copy = false;
    };
    std::vector<Part> parts;
    bool wholePut = false;            ///< one PUT of everything (below the part minimum)
    std::uint64_t uploadBytes = 0;    ///< bytes sent
    std::uint64_t readBytes = 0;      ///< source bytes read back to be sent
};
PartPlan planParts(const std::vector<Segment>& segments, const S3Limits& limits);

class S3Store final : public RemoteStore {
public:
    /// `url` is s3://bucket[/prefix].
    static Result<std::unique_ptr<S3Store>> open(const std::string& url, const RemoteOptions& options, AwsConfig config);

    Result<std::vector<RemoteObject>> list(bool recursive) override;
    /// The objects whose names (relative to the location) start with `relPrefix` ("" = list()).
    Result<std::vector<RemoteObject>> listUnder(const std::string& relPrefix, bool recursive);
    Result<RemoteObject> object(const std::string& rel) override;
    HttpRequest get(const RemoteObject& object, std::optional<std::pair<std::uint64_t, std::uint64_t>> range) const override;
    Status put(const std::string& rel, std::string_view bytes) override;
    Error statusError(const HttpResponse& response, const std::string& url, const std::string& what) const override;

    /// Server-side copy of `fromRel` to `toRel` (both relative to the location): CopyObject, or above
    /// copyMax a multipart upload of UploadPartCopy parts. `ifMatch`: the ETag the source must still have.
    /// Returns the new object's ETag. Errors: RemoteHttpStatus and the like, RemoteNotConfirmed (the
    /// source changed).
    Result<std::string> copy(const std::string& fromRel, const std::string& toRel, std::uint64_t size, const std::string& ifMatch);
    /// DeleteObject (no error when the object is already gone, as S3 answers).
    Status remove(const std::string& rel);
    /// Writes `rel` as the concatenation of `segments`, whose copied ranges are of `sourceRel` (may be `rel`
    /// itself: the source is read before the new object replaces it, atomically, at the end). Returns the
    /// ETag; `uploaded`, when given, gets the bytes sent.
    Result<std::string> writeSpliced(const std::string& rel, const std::string& sourceRel, const std::string& sourceEtag,
                                     const std::vector<Segment>& segments, std::uint64_t* uploaded = nullptr);
    /// Bytes [from, to) of `rel` (a ranged GET).
    Result<std::vector<std::uint8_t>> readRange(const std::string& rel, std::uint64_t from, std::uint64_t to);
    void setLimits(const S3Limits& limits) { m_limits = limits; }
    const S3Limits& limits() const noexcept { return m_limits; }

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
    Result<std::string> multipart(const std::string& key, const std::vector<PartPlan::Part>& parts,
                                  const std::string& sourceRel, const std::string& sourceEtag, std::uint64_t* uploaded);
    std::string copySource(const std::string& rel) const;
    AwsConfig m_config;
    S3Limits m_limits;
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
