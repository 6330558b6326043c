// SPDX-License-Identifier: GPL-3.0-or-later
// podium-cli audit PATH... [--json] [--recursive]: the safety verdict of checkpoint files, for people and CI.
#include "cli/Command.h"
#include "cli/RemoteArgs.h"

#include "checkpoint/CheckpointReader.h"

#include <algorithm>
#include <filesystem>
#include <iostream>

namespace podium::cli {

namespace {

namespace fs = std::filesystem;

/// The names torch files usually go by; an explicitly named file is audited whatever its name.
bool looksLikeTorchFile(const fs::path& p)
{
    static const char* kExt[] = {".ckpt", ".pt", ".pth", ".pkl", ".pickle", ".bin", ".tar"};
    const std::string ext = p.extension().string();
    return std::any_of(std::begin(kExt), std::end(kExt), [&](const char* e) { return ext == e; });
}

class AuditCommand : public Command {
public:
    void setup(CLI::App& app) override
    {
        sub = app.add_subcommand("audit", "The safety verdict of checkpoint files: safe, suspicious or unsafe, with "
                                          "every global and where it sits (nothing is ever executed)");
        sub->add_option("paths", m_paths, "Files or folders (a folder: its *.ckpt, *.pt, *.pth, *.pkl, *.bin files), "
                                          "object URLs, S3 prefixes")
            ->required()
            ->check(existingOrRemote(false));
        m_remote.add(sub);
        sub->add_flag("--json", m_json, R"(JSON: {"files": [{"file", "verdict", "globals": [...], "error"}]})");
        sub->add_flag("-r,--recursive", m_recursive, "Walk folders recursively (hidden folders are skipped)");
        sub->footer("Exit codes: 0 every file safe, 1 a file could not be read (none suspicious or unsafe), "
                    "4 a suspicious file (none unsafe), 5 an unsafe file, 2 usage.");
    }

    int run() override
    {
        std::vector<std::string> files;
        for (const auto& p : m_paths) {
            if (remote::isRemoteUrl(p) && p.starts_with("s3://") && !looksLikeTorchFile(fs::path(p))) {
                auto listed = m_remote.listTorchFiles(p, m_recursive); // a prefix: its torch files
                if (!listed) {
                    std::cerr << "error: " << listed.error().message() << "\n";
                    return Failed;
                }
                files.insert(files.end(), listed->begin(), listed->end());
                continue;
            }
            collect(p, files);
        }
        checkpoint::ReadOptions opts;
        opts.verifyCrc = true;
        nlohmann::json out = nlohmann::json::array();
        std::size_t counts[3] = {0, 0, 0}, unreadable = 0;
        for (const auto& f : files) {
            auto r = m_remote.judge(f, opts);
            const auto& a = r.full();
            ++counts[static_cast<int>(a.verdict)];
            const bool failed = !r.checkpoint || r.checkpoint->truncated;
            if (failed)
                ++unreadable;
            if (m_json) {
                nlohmann::json j{{"file", f}};
                checkpoint::addAuditJson(j, a);
                j["error"] = r.error ? checkpoint::errorObject(*r.error) : nlohmann::json(nullptr);
                out.push_back(std::move(j));
            } else {
                printHuman(f, r);
            }
        }
        if (m_json) {
            printJson(std::cout, nlohmann::json{{"files", std::move(out)}});
        } else {
            std::cout << files.size() << " file" << (files.size() == 1 ? "" : "s") << ": " << counts[0] << " safe, "
                      << counts[1] << " suspicious, " << counts[2] << " unsafe";
            if (unreadable)
                std::cout << " (" << unreadable << " not readable as a checkpoint)";
            std::cout << "\n";
        }
        if (counts[2])
            return UnsafeFound;
        if (counts[1])
            return SuspiciousFound;
        return unreadable ? Failed : Ok;
    }

private:
    void collect(const std::string& path, std::vector<std::string>& out) const
    {
        std::error_code ec;
        if (!fs::is_directory(path, ec)) {
            out.push_back(path);
            return;
        }
        std::vector<std::string> found;
        auto consider = [&](const fs::directory_entry& e) {
            if (e.is_regular_file(ec) && looksLikeTorchFile(e.path()))
                found.push_back(e.path().string());
        };
        if (m_recursive) {
            for (auto it = fs::recursive_directory_iterator(path, fs::directory_options::skip_permission_denied, ec);
                 it != fs::recursive_directory_iterator(); it.increment(ec)) {
                if (ec)
                    break;
                if (it->is_directory(ec) && it->path().filename().string().starts_with('.')) {
                    it.disable_recursion_pending();
                    continue;
                }
                consider(*it);
            }
        } else {
            for (const auto& e : fs::directory_iterator(path, ec))
                consider(e);
        }
        std::sort(found.begin(), found.end());
        out.insert(out.end(), found.begin(), found.end());
    }

    static void printHuman(const std::string& file, const checkpoint::Judged& r)
    {
        const auto& a = r.full();
        std::cout << safety::verdictName(a.verdict) << std::string(12 - safety::verdictName(a.verdict).size(), ' ') << file << "\n";
        if (r.error)
            std::cout << "            " << (r.checkpoint ? "" : "could not be read: ") << r.error->describe() << "\n";
        if (a.verdict == safety::Verdict::Safe)
            return;
        for (const auto& g : a.globals)
            if (g.verdict != pickle::Verdict::Safe)
                std::cout << "            " << pickle::verdictName(g.verdict) << "  " << g.module << "." << g.name
                          << (g.reason.empty() ? "" : " — " + g.reason) << (g.where.empty() ? "" : "  [" + g.where + "]")
                          << (g.readByTorch ? "" : " (not read by torch.load)") << "\n";
        for (const auto& f : a.findings)
            if (f.level != safety::Verdict::Safe)
                std::cout << "            " << safety::verdictName(f.level) << "  " << f.what << "\n";
    }

    std::vector<std::string> m_paths;
    RemoteArgs m_remote;
    bool m_json = false;
    bool m_recursive = false;
};

} // namespace

std::unique_ptr<Command> makeAuditCommand() { return std::make_unique<AuditCommand>(); }

} // namespace podium::cli
