// SPDX-License-Identifier: GPL-3.0-or-later
// AwsConfig: credentials, region and endpoint found the way the AWS CLI finds them.
//
//  credentials: AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN); else the profile
//               (AWS_PROFILE, else "default") of $AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials, then
//               of $AWS_CONFIG_FILE or ~/.aws/config ("[profile NAME]" there); else none: anonymous requests
//               (public buckets).
//  region:      AWS_REGION, AWS_DEFAULT_REGION, the profile's `region`, else us-east-1.
//  endpoint:    AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, the profile's `endpoint_url` (MinIO, Ceph, R2, a test
//               server); else AWS itself.
//  addressing:  path-style for a custom endpoint, virtual-hosted for AWS; the profile's
//               `s3 = addressing_style = path|virtual` or PODIUM_S3_ADDRESSING overrides.
// Secrets are kept for signing only: describe() names the key id's first characters and where it came from.
#pragma once

#include <map>
#include <string>

namespace podium::remote {

struct AwsConfig {
    std::string accessKey;
    std::string secretKey;
    std::string sessionToken;
    std::string credentialSource; ///< "AWS_ACCESS_KEY_ID", "~/.aws/credentials [default]", "none"
    std::string profile = "default";
    std::string region = "us-east-1";
    std::string endpoint;         ///< "" = AWS (https://s3.<region>.amazonaws.com)
    bool pathStyle = false;

    bool anonymous() const noexcept { return accessKey.empty(); }
    /// "access key S3RV… from AWS_ACCESS_KEY_ID, region us-east-1, endpoint http://127.0.0.1:4569" — never a secret.
    std::string describe() const;

    /// From the environment and the AWS CLI's files (see above).
    static AwsConfig fromEnvironment();
};

/// An AWS CLI style INI file: sections → keys → values; an indented `key = value` under `s3 =` becomes
/// "s3.key". Missing file: empty.
std::map<std::string, std::map<std::string, std::string>> readAwsIni(const std::string& path);

} // namespace podium::remote
