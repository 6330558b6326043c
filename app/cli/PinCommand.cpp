// SPDX-License-Identifier: GPL-3.0-or-later
// podium-cli pin DIR FILE [--link NAME] · unpin DIR · manifest DIR [-o FILE] [--format json|csv] [--hash]
#include "cli/Command.h"

#include "cli/Folder.h"
#include "manifest/Pinning.h"
#include "remote/S3RenameExecutor.h"
#include "remote/S3SyncExecutor.h"
#include "rename/RenameJournal.h"
#include "sync/StateSync.h"
#include "util/Sha256.h"

#include <filesystem>
#include <iostream>

namespace podium::cli {

namespace fsys = std::filesystem;

namespace {

class PinCommand : public Command {
public:
    void setup(CLI::App& app) override
    {
        sub = app.add_subcommand("pin", "Pin a checkpoint as the best: a link (default best.ckpt) beside it, recorded in the manifest");
        sub->add_option("folder", m_args.folder, "Checkpoint folder, or an S3 location (s3://bucket/prefix)")->required()
            ->check(existingOrRemote(true));
        sub->add_option("file", m_file, "The checkpoint to pin (relative to the folder, or a path)")->required();
        sub->add_option("--link", m_link, "Name of the link")->default_str("best.ckpt");
        sub->add_flag("--sync-state", m_sync, "Also set best_model_path inside the checkpoints of its directory, so "
                                              "Lightning's ckpt_path=\"best\" loads the pinned file (undo restores the bytes)");
        m_args.remote.add(sub);
    }
    int run() override
    {
        if (m_args.isRemote())
            return runS3();
        const std::string& m_folder = m_args.folder;
        if (reportInterrupted(m_folder, std::cerr))
            return Interrupted;
        // FILE relative to the folder first, then as given
        std::string file = m_file;
        if (fsys::path(m_file).is_relative() && (fsys::exists(fsys::path(m_folder) / m_file) || !fsys::exists(m_file)))
            file = (fsys::path(m_folder) / m_file).string();
        auto p = manifest::pinCheckpoint(fs::FileSystem::real(), fsys::absolute(file).lexically_normal().string(), m_link);
        if (!p) {
            std::cerr << "error: " << p.error().message() << '\n';
            return Failed;
        }
        std::cout << "Pinned " << p->file << ": " << p->link << " → " << p->file << "\n";
        if (m_sync) {
            const auto abs = fsys::absolute(file).lexically_normal();
            const std::string dir = abs.parent_path().string();
            sync::SyncConfig sc;
            sc.bestModelFile = abs.filename().string();
            const auto plan = sync::planSync(dir, sc);
            for (const auto& e : plan.skipped)
                std::cerr << "warning: not synced: " << e.message() << '\n';
            auto rep = sync::SyncExecutor().apply(plan);
            if (!rep) {
                std::cerr << "error: pinned, but best_model_path was not rewritten: " << rep.error().message() << '\n';
                return Failed;
            }
            std::cout << "best_model_path now names it in " << rep->files << " checkpoint(s) (undo with `podium-cli undo "
                      << m_folder << "`).\n";
        }
        return Ok;
    }

private:
    /// On S3 there are no links: the pin is the record `<dir>/.podium/pin.json` naming the object (what the
    /// manifest reports), and with --sync-state best_model_path inside the directory's checkpoints.
    int runS3()
    {
        auto* s3 = m_args.remote.writableS3(m_args.folder, "pinning needs S3");
        if (!s3)
            return Failed;
        std::string rel = m_file;
        if (rel.starts_with(s3->location() + "/"))
            rel = rel.substr(s3->location().size() + 1);
        auto object = s3->object(rel);
        if (!object) {
            std::cerr << "error: " << object.error().message() << '\n';
            return Failed;
        }
        const auto slash = rel.rfind('/');
        const std::string dir = slash == std::string::npos ? "" : rel.substr(0, slash);
        const std::string name = rel.substr(slash == std::string::npos ? 0 : slash + 1);
        remote::S3Journal journal(*s3, dir);
        if (auto st = journal.pull(); !st) {
            std::cerr << "error: " << st.error().message() << '\n';
            return Failed;
        }
        if (auto open = rename::readInterrupted(journal.localDir()); open && *open) {
            std::cerr << "warning: an interrupted rename (" << (*open)->id << ") is pending in " << journal.url()
                      << ": run `podium-cli recover " << m_args.folder << "` first\n";
            return Interrupted;
        }
        const nlohmann::json record{{"file", name}, {"link", nullptr}, {"pinned_at", rename::nowIso8601()}};
        if (auto st = journal.putFile(".podium/pin.json", record.dump(2)); !st) {
            std::cerr << "error: " << st.error().message() << '\n';
            return Failed;
        }
        std::cout << "Pinned " << object->url << " (recorded in " << journal.url() << "/.podium/pin.json; S3 has no links)\n";
        if (!m_sync)
            return Ok;
        remote::S3RenameExecutor lister(*s3);
        auto present = lister.objectsIn(dir);
        if (!present) {
            std::cerr << "error: " << present.error().message() << '\n';
            return Failed;
        }
        const std::map<std::string, remote::RemoteObject>& objects = *present;
        sync::SyncConfig sc;
        sc.bestModelFile = name;
        const auto plan = remote::planS3Sync(*s3, dir, objects, sc);
        for (const auto& e : plan.skipped)
            std::cerr << "warning: not synced: " << e.message() << '\n';
        auto rep = remote::S3SyncExecutor(*s3).apply(dir, plan, objects);
        if (!rep) {
            std::cerr << "error: pinned, but best_model_path was not rewritten: " << rep.error().message() << '\n';
            return Failed;
        }
        std::cout << "best_model_path now names it in " << rep->files << " checkpoint(s), " << rep->bytesWritten
                  << " bytes uploaded (undo with `podium-cli undo " << m_args.folder << "`).\n";
        return Ok;
    }

    FolderArgs m_args;
    std::string m_file, m_link = "best.ckpt";
    bool m_sync = false;
};

class UnpinCommand : public Command {
public:
    void setup(CLI::App& app) override
    {
        sub = app.add_subcommand("unpin", "Remove the pin (its link and its record)");
        sub->add_option("folder", m_args.folder, "Checkpoint folder, or an S3 location")->required()->check(existingOrRemote(true));
        m_args.remote.add(sub);
    }
    int run() override
    {
        if (m_args.isRemote())
            return runS3();
        const std::string& m_folder = m_args.folder;
        // the pin lives in the directory of the pinned file: the folder or one below it
        std::vector<std::string> dirs{m_folder};
        std::error_code ec;
        for (fsys::recursive_directory_iterator it(m_folder, ec), end; it != end; it.increment(ec))
            if (!ec && it->is_directory(ec) && it->path().filename() != ".podium")
                dirs.push_back(it->path().string());
        for (const auto& d : dirs) {
            if (!fsys::exists(manifest::pinPath(d)))
                continue;
            if (auto st = manifest::unpinCheckpoint(fs::FileSystem::real(), fsys::absolute(d).string()); !st) {
                std::cerr << "error: " << st.error().message() << '\n';
                return Failed;
            }
            std::cout << "Unpinned in " << d << "\n";
            return Ok;
        }
        std::cerr << "error: nothing is pinned in " << m_folder << "\n";
        return Failed;
    }

private:
    int runS3()
    {
        auto* s3 = m_args.remote.writableS3(m_args.folder, "unpinning needs S3");
        if (!s3)
            return Failed;
        auto listed = s3->list(true);
        if (!listed) {
            std::cerr << "error: " << listed.error().message() << '\n';
            return Failed;
        }
        for (const auto& o : *listed) {
            if (o.rel != ".podium/pin.json" && !o.rel.ends_with("/.podium/pin.json"))
                continue;
            const std::string dir = o.rel.size() > 17 ? o.rel.substr(0, o.rel.size() - 17) : "";
            remote::S3Journal journal(*s3, dir);
            if (auto st = s3->remove(o.rel); !st) {
                std::cerr << "error: " << st.error().message() << '\n';
                return Failed;
            }
            (void)journal.pull();
            std::error_code ec;
            std::filesystem::remove(manifest::pinPath(journal.localDir()), ec);
            std::cout << "Unpinned in " << journal.url() << "\n";
            return Ok;
        }
        std::cerr << "error: nothing is pinned in " << m_args.folder << "\n";
        return Failed;
    }

    FolderArgs m_args;
};

class ManifestCommand : public Command {
public:
    void setup(CLI::App& app) override
    {
        sub = app.add_subcommand("manifest", "Write the ranking, the pin and the rename history to a manifest "
                                             "(default DIR/podium-manifest.json; -o - prints it)");
        m_args.add(sub);
        sub->add_option("-o,--output", m_output, "Output file, or - for standard output");
        sub->add_option("--format", m_format, "json or csv")->check(CLI::IsMember({"json", "csv"}));
        sub->add_flag("--hash", m_hash, "Add each ranked file's SHA-256 (reads the whole files)");
    }
    int run() override
    {
        auto r = m_args.run(true); // the runs' parameters include the checkpoints' hyper_parameters
        if (!r) {
            std::cerr << "error: " << r.error().message() << '\n';
            return Failed;
        }
        if (m_hash && r->remote) {
            std::cerr << "error: --hash reads every ranked file whole: not done over the network (hash a local copy)\n";
            return Usage;
        }
        if (!r->remote)
            reportInterrupted(r->scan.folder, std::cerr, &r->scan);
        manifest::ManifestInput in;
        in.ranking = &r->ranking;
        in.scan = &r->scan;
        if (!r->remote) { // rename history and pin records live beside checkpoints on disk
            manifest::readFolderRecords(in, r->scan);
        } else if (!r->localMirror.empty()) { // on S3 in the bucket: the scan copied them
            ranking::ScanResult mirrored;
            mirrored.folder = r->localMirror;
            mirrored.files = r->scan.files;
            manifest::readFolderRecords(in, mirrored);
        }
        {
            std::vector<metrics::MetricLog> logs;
            for (const auto& run : r->runs.runs)
                logs.push_back(metrics::loadMetricLog(r->runs.logsOf(run)));
            in.runs = runs::toJson(r->runs, r->ranking, logs)["runs"];
        }
        if (m_hash)
            for (const auto& g : r->ranking.groups)
                for (const auto& e : g.ranked)
                    if (auto h = sha256File(m_args.folder + "/" + e.file))
                        in.sha256[e.file] = *h;
        const std::string text = m_format == "csv" ? manifest::toCsv(in) : manifest::toJson(in).dump(2) + "\n";
        if (m_output == "-") {
            std::cout << text;
            return r->ranking.errors.empty() ? Ok : Failed;
        }
        // a remote folder's manifest is written here unless -o names a place (an s3:// object writes into the bucket)
        const std::string out = !m_output.empty() ? m_output
                                : r->remote       ? "podium-manifest." + m_format
                                                  : m_args.folder + "/podium-manifest." + m_format;
        if (out.starts_with("s3://")) {
            const auto slash = out.rfind('/');
            auto store = slash > 5 ? m_args.remote.store(out.substr(0, slash)) : Result<remote::RemoteStore*>(Error(ErrorCode::RemoteBadUrl, "not an object URL").inFile(out));
            Status st = store ? (*store)->put(out.substr(slash + 1), text) : Status(store.error());
            if (!st) {
                std::cerr << "error: " << st.error().message() << '\n';
                return Failed;
            }
            std::cout << "Wrote " << out << "\n";
            return r->ranking.errors.empty() ? Ok : Failed;
        }
        if (remote::isRemoteUrl(out)) {
            std::cerr << "error: " << out << ": a manifest can be written to a file or to s3://, not to a web server\n";
            return Usage;
        }
        if (auto st = manifest::write(fs::FileSystem::real(), out, text); !st) {
            std::cerr << "error: " << st.error().message() << '\n';
            return Failed;
        }
        std::cout << "Wrote " << out << "\n";
        return r->ranking.errors.empty() ? Ok : Failed;
    }

private:
    FolderArgs m_args;
    std::string m_output, m_format = "json";
    bool m_hash = false;
};

} // namespace

std::unique_ptr<Command> makePinCommand() { return std::make_unique<PinCommand>(); }
std::unique_ptr<Command> makeUnpinCommand() { return std::make_unique<UnpinCommand>(); }
std::unique_ptr<Command> makeManifestCommand() { return std::make_unique<ManifestCommand>(); }

} // namespace podium::cli
