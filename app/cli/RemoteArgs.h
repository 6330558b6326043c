// SPDX-License-Identifier: GPL-3.0-or-later
// RemoteArgs: the options of every verb that reads a location (--connections, --insecure,
// --allow-full-download), and reading a file that may be a URL. Stores are kept per location, so the
// files of one location share connections.
#pragma once

#include "checkpoint/CheckpointReader.h"
#include "remote/RemoteStore.h"
#include "remote/S3Store.h"

#include <CLI/CLI.hpp>
#include <map>
#include <memory>

namespace podium::cli {

struct RemoteArgs {
    unsigned connections = 32;
    bool insecure = false;
    bool allowFullDownload = false;

    void add(CLI::App* sub);
    remote::RemoteOptions options() const;

    /// Reads a file or an object URL (s3://, http(s)://).
    checkpoint::Judged judge(const std::string& pathOrUrl, const checkpoint::ReadOptions& options);
    /// The objects under an S3 prefix whose names look like torch files (audit of a prefix).
    Result<std::vector<std::string>> listTorchFiles(const std::string& prefixUrl, bool recursive);
    /// The store of `location` (opened once).
    Result<remote::RemoteStore*> store(const std::string& location);
    /// The S3 store of `location`, for a verb that writes; prints why and returns null for other locations
    /// (HTTP is read-only: `needs` says what writing takes) or when the store cannot be opened.
    remote::S3Store* writableS3(const std::string& location, const std::string& needs);

private:
    std::map<std::string, std::shared_ptr<remote::RemoteStore>> m_stores; ///< shared: the verbs copy their options
};

/// CLI11 check: an existing path (a folder when `folder`), or a remote URL.
CLI::Validator existingOrRemote(bool folder);

} // namespace podium::cli
