// SPDX-License-Identifier: GPL-3.0-or-later
#include "remote/RemoteScan.h"

#include "checkpoint/TorchFile.h"
#include "fs/FileSystem.h"
#include "remote/RemoteSource.h"
#include "remote/S3Store.h"

#include <algorithm>
#include <atomic>
#include <functional>
#include <mutex>
#include <set>
#include <thread>

namespace podium::remote {

namespace {

bool isTreeFile(std::string_view name)
{
    return name == "metrics.csv" || name == "hparams.yaml" || name == "config.yaml" || name.starts_with("events.out.tfevents.");
}

std::string parentOf(const std::string& rel)
{
    const auto slash = rel.rfind('/');
    return slash == std::string::npos ? std::string() : rel.substr(0, slash);
}

/// What a local recursive walk would see of these keys: checkpoints, directories, .hydra/.podium folders
/// and log files; directories whose name starts with "." or ends in ".ckpt" are not entered.
void classify(const std::vector<RemoteObject>& objects, bool recursive, ranking::ScanResult& out,
              std::vector<const RemoteObject*>& ckpts, ranking::TreeListing* tree)
{
    std::set<std::string> dirs{""}, hydra, journals, sharded;
    for (const auto& o : objects) {
        std::vector<std::string_view> parts;
        for (std::size_t at = 0;;) {
            const auto slash = o.rel.find('/', at);
            parts.push_back(std::string_view(o.rel).substr(at, slash == std::string::npos ? std::string::npos : slash - at));
            if (slash == std::string::npos)
                break;
            at = slash + 1;
        }
        // the first directory component that a walk would not enter
        std::string dir;
        bool entered = true;
        for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
            const std::string_view p = parts[i];
            if (p.starts_with(".") || p.ends_with(".ckpt")) {
                if (p == ".hydra")
                    hydra.insert(dir);
                else if (p == ".podium")
                    journals.insert(dir);
                else if (p.ends_with(".ckpt") && p != ".ckpt" && !p.starts_with("."))
                    sharded.insert(dir.empty() ? std::string(p) : dir + "/" + std::string(p));
                entered = false;
                break;
            }
            dir += (dir.empty() ? "" : "/") + std::string(p);
            dirs.insert(dir);
        }
        if (!entered)
            continue;
        const std::string_view name = parts.back();
        if (name.ends_with(".ckpt") && name != ".ckpt")
            ckpts.push_back(&o);
        else if (tree && isTreeFile(name))
            tree->treeFiles.push_back(o.rel);
    }
    for (const auto& s : sharded) {
        ranking::ScannedFile f;
        f.relPath = s;
        f.path = out.folder + "/" + s;
        f.error = Error(ErrorCode::ShardedCheckpointDirectory,
                        "a folder named *.ckpt: a sharded (DeepSpeed/FSDP) checkpoint, not one file").inFile(f.path);
        out.files.push_back(std::move(f));
    }
    if (tree && recursive) {
        tree->dirs.assign(dirs.begin(), dirs.end());
        tree->hydraDirs.assign(hydra.begin(), hydra.end());
        tree->journalDirs.assign(journals.begin(), journals.end());
        std::sort(tree->treeFiles.begin(), tree->treeFiles.end());
    }
}

/// A stand-in for an inode: objects have none, but a rename keeps the ETag of a server-side copy.
std::uint64_t etagHash(const std::string& etag)
{
    return std::hash<std::string>{}(etag);
}

} // namespace

checkpoint::Judged unreadableObject(Error error)
{
    checkpoint::Judged failed;
    failed.error = std::move(error);
    failed.audit.verdict = safety::Verdict::Suspicious;
    failed.audit.summary = "suspicious: the object could not be read, so nothing of it was judged";
    failed.audit.findings.push_back({safety::Verdict::Suspicious, "the object could not be read: " + failed.error->describe(), ""});
    return failed;
}

checkpoint::Judged readRemote(RemoteStore& store, const RemoteObject& object, const checkpoint::ReadOptions& options)
{
    auto probed = store.probe(object, checkpoint::TorchFile::kHeadRead);
    if (!probed)
        return unreadableObject(std::move(probed).error());
    RemoteSource src(store, std::move(*probed));
    return checkpoint::readJudged(src, object.url, options);
}

Result<RemoteScan> scanRemote(RemoteStore& store, const RemoteScanOptions& options)
{
    auto listed = store.list(options.recursive);
    if (!listed)
        return std::move(listed).error();
    RemoteScan out;
    out.objects = std::move(*listed);
    out.scan.folder = store.location();
    auto tree = options.recursive ? std::make_shared<ranking::TreeListing>() : nullptr;
    std::vector<const RemoteObject*> ckpts;
    classify(out.objects, options.recursive, out.scan, ckpts, tree.get());
    out.scan.tree = std::move(tree);
    std::vector<std::size_t> todo;
    for (const RemoteObject* o : ckpts) {
        ranking::ScannedFile f;
        f.relPath = o->rel;
        f.path = o->url;
        f.identity = {0, etagHash(o->etag), o->size, o->mtimeNs};
        out.scan.files.push_back(std::move(f));
    }
    std::sort(out.scan.files.begin(), out.scan.files.end(), [](const auto& a, const auto& b) { return a.relPath < b.relPath; });
    std::map<std::string, const RemoteObject*> byRel;
    for (const RemoteObject* o : ckpts)
        byRel[o->rel] = o;
    for (std::size_t i = 0; i < out.scan.files.size(); ++i)
        if (!out.scan.files[i].error)
            todo.push_back(i);

    unsigned threads = options.threads ? options.threads : store.http().options().connections;
    threads = static_cast<unsigned>(std::clamp<std::size_t>(todo.size(), 1, std::max(1u, threads)));
    std::atomic<std::size_t> next{0};
    std::atomic<bool> cancel{false};
    std::mutex progressMutex;
    std::size_t done = 0;
    auto report = [&](const ranking::ScannedFile& f) {
        if (options.progress || options.fileRead) {
            std::lock_guard pl(progressMutex);
            ++done;
            if (options.fileRead)
                options.fileRead(f);
            if (options.progress && !options.progress(done, todo.size()))
                cancel = true;
        }
    };
    auto worker = [&] {
        for (;;) {
            if (cancel.load(std::memory_order_relaxed))
                return;
            const std::size_t k = next.fetch_add(1);
            if (k >= todo.size())
                return;
            auto& f = out.scan.files[todo[k]];
            const RemoteObject& listed = *byRel.at(f.relPath);
            // a URL list: its size (and time, ETag) now, on this worker, with the first bytes
            auto probed = store.probe(listed, checkpoint::TorchFile::kHeadRead);
            if (!probed) {
                f.error = std::move(probed).error();
                f.verdict = safety::Verdict::Suspicious;
                f.verdictSummary = "suspicious: the object could not be reached, so nothing of it was judged";
                report(f);
                continue;
            }
            if (!listed.sized)
                f.identity = {0, etagHash(probed->object.etag), probed->object.size, probed->object.mtimeNs};
            RemoteSource src(store, std::move(*probed));
            ranking::takeJudged(f, checkpoint::readJudged(src, f.relPath, options.read));
            // an object holding the name of a checkpoint beside it: a link copied as text (as on disk)
            if (const std::string text = ranking::textLinkTarget(f, src); !text.empty()) {
                std::string target = parentOf(f.relPath);
                target += (target.empty() ? "" : "/") + text;
                if (text.find('/') == std::string::npos && byRel.count(target)) {
                    f.isSymlink = true;
                    f.linkTarget = text;
                    f.linkStoredAsText = true;
                    f.linkTargetRel = target;
                    f.error.reset();
                }
            }
            report(f);
        }
    };
    {
        std::vector<std::jthread> pool;
        for (unsigned t = 0; t < threads; ++t)
            pool.emplace_back(worker);
    }
    out.scan.cancelled = cancel.load();
    out.scan.reread = todo.size();
    return out;
}

Status mirrorTreeFiles(RemoteStore& store, const RemoteScan& scan, const std::string& dir, std::uint64_t maxBytes)
{
    // the log files the listing found, and what Hydra keeps in .hydra/ beside them
    std::set<std::string> wanted;
    if (scan.scan.tree) {
        wanted.insert(scan.scan.tree->treeFiles.begin(), scan.scan.tree->treeFiles.end());
        for (const auto& h : scan.scan.tree->hydraDirs)
            for (const auto& o : scan.objects)
                if (parentOf(o.rel) == (h.empty() ? ".hydra" : h + "/.hydra"))
                    wanted.insert(o.rel);
    } else {
        for (const auto& o : scan.objects)
            if (o.rel.find('/') == std::string::npos && isTreeFile(o.rel))
                wanted.insert(o.rel);
    }
    // Podium's rename histories (<dir>/.podium/history/<id>.json): the ranking maps embedded names through them
    // and pins (<dir>/.podium/pin.json): the manifest reports them
    auto isDir = [](const std::string& parent, std::string_view name) {
        return parent == name || (parent.ends_with(name) && parent[parent.size() - name.size() - 1] == '/');
    };
    for (const auto& o : scan.objects)
        if ((o.rel.ends_with(".json") && isDir(parentOf(o.rel), ".podium/history")) ||
            o.rel == ".podium/pin.json" || o.rel.ends_with("/.podium/pin.json"))
            wanted.insert(o.rel);
    std::vector<const RemoteObject*> todo;
    for (const auto& o : scan.objects)
        if (wanted.count(o.rel) && o.size <= maxBytes)
            todo.push_back(&o);
    auto& fsys = fs::FileSystem::real();
    std::atomic<std::size_t> next{0};
    std::mutex errMutex;
    std::optional<Error> firstError;
    auto worker = [&] {
        for (std::size_t k; (k = next.fetch_add(1)) < todo.size();) {
            const RemoteObject& o = *todo[k];
            const std::string local = dir + "/" + o.rel;
            Status st;
            auto bytes = store.fetch(o);
            if (!bytes)
                st = std::move(bytes).error();
            else if (st = fsys.makeDirectories(parentOf(local)); st)
                if (st = fsys.writeFileAtomic(local, std::string_view(reinterpret_cast<const char*>(bytes->data()), bytes->size())); st && o.mtimeNs)
                    st = fsys.setModificationTime(local, o.mtimeNs);
            if (!st) {
                std::lock_guard lock(errMutex);
                if (!firstError)
                    firstError = std::move(st).error();
            }
        }
    };
    {
        std::vector<std::jthread> pool;
        const unsigned n = static_cast<unsigned>(std::clamp<std::size_t>(todo.size(), 1, store.http().options().connections));
        for (unsigned t = 0; t < n; ++t)
            pool.emplace_back(worker);
    }
    if (firstError)
        return std::move(*firstError);
    return {};
}

Status mirrorHistories(RemoteStore& store, const std::string& dir, const std::string& local)
{
    auto* s3 = dynamic_cast<S3Store*>(&store);
    if (!s3)
        return {};
    auto listed = s3->listUnder((dir.empty() ? "" : dir + "/") + ".podium/", true);
    if (!listed)
        return std::move(listed).error();
    RemoteScan view;
    view.objects = std::move(*listed);
    return mirrorTreeFiles(store, view, local);
}

Status mirrorLogs(RemoteStore& store, const std::string& dir)
{
    auto listed = store.list(true);
    if (!listed)
        return std::move(listed).error();
    RemoteScan view;
    view.objects = std::move(*listed);
    view.scan.folder = store.location();
    auto tree = std::make_shared<ranking::TreeListing>();
    std::vector<const RemoteObject*> ckpts;
    classify(view.objects, true, view.scan, ckpts, tree.get());
    view.scan.tree = std::move(tree);
    return mirrorTreeFiles(store, view, dir);
}

} // namespace podium::remote
