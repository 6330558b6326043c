// SPDX-License-Identifier: GPL-3.0-or-later
#include "cli/RemoteArgs.h"

#include "remote/RemoteScan.h"

#include <filesystem>
#include <iostream>

namespace podium::cli {

void RemoteArgs::add(CLI::App* sub)
{
    sub->add_option("--connections", connections, "Remote locations: requests in flight at most (default 32)")
        ->check(CLI::Range(1u, 1024u));
    sub->add_flag("--insecure", insecure, "Remote locations: do not verify TLS certificates");
    sub->add_flag("--allow-full-download", allowFullDownload,
                  "Remote locations: read a whole checkpoint from a server that does not serve byte ranges");
}

remote::RemoteOptions RemoteArgs::options() const
{
    remote::RemoteOptions o;
    o.http.connections = connections;
    o.http.insecure = insecure;
    o.allowFullDownload = allowFullDownload;
    return o;
}

Result<remote::RemoteStore*> RemoteArgs::store(const std::string& location)
{
    if (auto it = m_stores.find(location); it != m_stores.end())
        return it->second.get();
    auto s = remote::RemoteStore::open(location, options());
    if (!s)
        return std::move(s).error();
    return (m_stores[location] = std::shared_ptr<remote::RemoteStore>(std::move(*s))).get();
}

remote::S3Store* RemoteArgs::writableS3(const std::string& location, const std::string& needs)
{
    auto s = store(location);
    if (!s) {
        std::cerr << "error: " << s.error().message() << '\n';
        return nullptr;
    }
    auto* s3 = dynamic_cast<remote::S3Store*>(*s);
    if (!s3)
        std::cerr << "error: " << location << ": an HTTP location is read-only (" << needs << ")\n";
    return s3;
}

checkpoint::Judged RemoteArgs::judge(const std::string& pathOrUrl, const checkpoint::ReadOptions& options)
{
    if (!remote::isRemoteUrl(pathOrUrl))
        return checkpoint::readJudged(pathOrUrl, options);
    auto opened = remote::openObject(pathOrUrl, this->options());
    if (!opened)
        return remote::unreadableObject(std::move(opened).error());
    return remote::readRemote(*opened->first, opened->second, options);
}

Result<std::vector<std::string>> RemoteArgs::listTorchFiles(const std::string& prefixUrl, bool recursive)
{
    auto s = store(prefixUrl);
    if (!s)
        return std::move(s).error();
    auto objects = (*s)->list(recursive);
    if (!objects)
        return std::move(objects).error();
    std::vector<std::string> out;
    for (const auto& o : *objects) {
        const auto ext = std::filesystem::path(o.rel).extension().string();
        const bool hidden = o.rel.starts_with(".") || o.rel.find("/.") != std::string::npos;
        if (!hidden && (ext == ".ckpt" || ext == ".pt" || ext == ".pth" || ext == ".pkl" || ext == ".bin"))
            out.push_back(o.url);
    }
    return out;
}

CLI::Validator existingOrRemote(bool folder)
{
    return CLI::Validator(
        [folder](std::string& v) -> std::string {
            if (remote::isRemoteUrl(v))
                return {};
            std::error_code ec;
            if (folder ? std::filesystem::is_directory(v, ec) : std::filesystem::exists(v, ec))
                return {};
            return (folder ? "Directory does not exist: " : "Path does not exist: ") + v;
        },
        folder ? "DIR|URL" : "PATH|URL");
}

} // namespace podium::cli
