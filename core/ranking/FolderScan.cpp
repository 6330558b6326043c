// SPDX-License-Identifier: GPL-3.0-or-later
#include "ranking/FolderScan.h"

#include "fs/FileSource.h"
#include "util/HugePages.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <dirent.h>
#include <filesystem>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

namespace podium::ranking {

namespace fsys = std::filesystem;

const ScannedFile* ScanResult::find(std::string_view relPath) const noexcept
{
    // files are sorted by relPath
    auto it = std::lower_bound(files.begin(), files.end(), relPath,
                               [](const ScannedFile& f, std::string_view p) { return f.relPath < p; });
    return it != files.end() && it->relPath == relPath ? &*it : nullptr;
}

Result<FileIdentity> identityOf(const std::string& path, bool followLinks)
{
    struct stat st {};
    if ((followLinks ? ::stat(path.c_str(), &st) : ::lstat(path.c_str(), &st)) != 0)
        return Error(errno == ENOENT ? ErrorCode::FsNotFound : ErrorCode::FsFailed, std::strerror(errno)).inFile(path);
    FileIdentity id;
    id.device = st.st_dev;
    id.inode = st.st_ino;
    id.size = static_cast<std::uint64_t>(st.st_size);
    id.mtimeNs = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
    return id;
}

static std::string lexicallyRelative(const fsys::path& p, const fsys::path& base)
{
    return p.lexically_normal().lexically_relative(base.lexically_normal()).generic_string();
}

/// A link's text and, when it points to a file inside the folder, that file's path relative to `root`
/// (`linkDir` is the folder the link sits in: a relative target is resolved from there).
static void describeLink(ScannedFile& f, const fsys::path& linkDir, const fsys::path& root)
{
    std::error_code ec;
    f.linkTarget = fsys::read_symlink(f.path, ec).string();
    const fsys::path target = fsys::path(f.linkTarget).is_absolute() ? fsys::path(f.linkTarget) : linkDir / f.linkTarget;
    const auto rel = lexicallyRelative(target, root);
    if (!rel.empty() && !rel.starts_with("..") && fsys::exists(target, ec))
        f.linkTargetRel = rel;
}

Result<std::vector<ScannedFile>> listCheckpoints(const std::string& folder, bool recursive, TreeListing* tree)
{
    std::error_code ec;
    const fsys::path root(folder);
    if (!fsys::is_directory(root, ec))
        return Error(fsys::exists(root, ec) ? ErrorCode::InvalidArgument : ErrorCode::FsNotFound,
                     fsys::exists(root, ec) ? "not a folder" : "no such folder").inFile(folder);
    std::vector<ScannedFile> out;
    // Entries of the walk are `root / name / ...`: when root is already normal, the relative path is the
    // text after it (what lexically_relative gives, without parsing every path twice).
    const std::string rootText = root.native();
    const bool rootNormal = !rootText.empty() && rootText.back() != '/' && root.lexically_normal().native() == rootText;
    auto relOf = [&](const fsys::path& p) {
        const std::string& n = p.native();
        if (rootNormal && n.size() > rootText.size() + 1 && n.compare(0, rootText.size(), rootText) == 0 && n[rootText.size()] == '/')
            return n.substr(rootText.size() + 1);
        return lexicallyRelative(p, root);
    };
    auto visit = [&](const fsys::directory_entry& e) {
        // `extension() == ".ckpt"` on the text: a name ending in .ckpt other than ".ckpt" itself (a dot file)
        const std::string& native = e.path().native();
        const auto slash = native.rfind('/');
        const std::string_view name = slash == std::string::npos ? std::string_view(native) : std::string_view(native).substr(slash + 1);
        if (!name.ends_with(".ckpt") || name == ".ckpt")
            return;
        ScannedFile f;
        f.relPath = relOf(e.path());
        f.path = (root / f.relPath).string();
        f.isSymlink = e.is_symlink(ec);
        if (f.isSymlink)
            describeLink(f, e.path().parent_path(), root);
        out.push_back(std::move(f));
    };
    if (recursive) {
        fsys::recursive_directory_iterator it(root, fsys::directory_options::skip_permission_denied, ec), end;
        if (ec)
            return Error(ErrorCode::FsPermission, ec.message()).inFile(folder);
        if (tree)
            tree->dirs.emplace_back();
        auto parentRel = [&](const fsys::path& p) {
            if (p.parent_path().native() == rootText)
                return std::string();
            std::string rel = relOf(p.parent_path());
            return rel == "." ? std::string() : rel;
        };
        for (; it != end; it.increment(ec)) {
            if (ec)
                break;
            const auto name = it->path().filename().string();
            if (it->is_directory(ec) && !it->is_symlink(ec)) {
                if (name.starts_with(".") || it->path().extension() == ".ckpt") {
                    if (it->path().extension() == ".ckpt")
                        visit(*it);
                    else if (tree && name == ".hydra")
                        tree->hydraDirs.push_back(parentRel(it->path()));
                    else if (tree && name == ".podium")
                        tree->journalDirs.push_back(parentRel(it->path()));
                    it.disable_recursion_pending();
                } else if (tree) {
                    tree->dirs.push_back(relOf(it->path()));
                }
                continue;
            }
            if (tree && (name == "metrics.csv" || name == "hparams.yaml" || name == "config.yaml" ||
                         name.starts_with("events.out.tfevents.")))
                tree->treeFiles.push_back(relOf(it->path()));
            visit(*it);
        }
        std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.relPath < b.relPath; });
        if (tree)
            std::sort(tree->journalDirs.begin(), tree->journalDirs.end());
        return out;
    }
    // One folder: its names are read and sorted first, then each file is built once in place (a folder of
    // thousands of checkpoints: no path object per entry, no moves of built entries while sorting).
    DIR* dir = ::opendir(folder.c_str());
    if (!dir)
        return Error(errno == EACCES ? ErrorCode::FsPermission : ErrorCode::FsFailed, std::strerror(errno)).inFile(folder);
    std::vector<std::pair<std::string, unsigned char>> names;
    errno = 0;
    while (const dirent* de = ::readdir(dir)) {
        const std::string_view name(de->d_name);
        if (name.ends_with(".ckpt") && name != ".ckpt")
            names.emplace_back(name, de->d_type);
    }
    const int readErrno = errno;
    ::closedir(dir);
    if (readErrno != 0)
        return Error(ErrorCode::FsFailed, std::strerror(readErrno)).inFile(folder);
    std::sort(names.begin(), names.end());
    // the folder as a prefix for its children: what `root / name` gives, without path objects
    const std::string prefix = folder.ends_with('/') ? folder : folder + "/";
    out.reserve(names.size());
    for (auto& [name, type] : names) {
        ScannedFile f;
        f.path = prefix + name;
        f.relPath = std::move(name);
        struct stat st {};
        f.isSymlink = type == DT_LNK || (type == DT_UNKNOWN && ::lstat(f.path.c_str(), &st) == 0 && S_ISLNK(st.st_mode));
        if (f.isSymlink)
            describeLink(f, root, root);
        out.push_back(std::move(f));
    }
    return out;
}

namespace {

FileIdentity identityFromStat(const struct stat& st)
{
    return {static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino), static_cast<std::uint64_t>(st.st_size),
            static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec};
}

/// Opens, identifies and reads one file (what checkpoint::readCheckpoint does, keeping the fstat).
void readOne(ScannedFile& f, const checkpoint::ReadOptions& options)
{
    auto src = fs::FileSource::open(f.path);
    if (!src) {
        f.error = std::move(src).error();
        return;
    }
    f.identity = identityFromStat((*src)->stat());
    takeJudged(f, checkpoint::readJudged(**src, f.relPath, options));
    if (f.checkpoint)
        return;
    // A symbolic link checked out as a plain file (git with core.symlinks=false, some copy tools): a few
    // bytes naming another checkpoint beside it. Lightning 2.1 makes last.ckpt such a link.
    if (const std::string text = textLinkTarget(f, **src); !text.empty()) {
        std::error_code ec;
        const fsys::path target = fsys::path(f.path).parent_path() / text;
        if (fsys::is_regular_file(target, ec)) {
            const std::string rootText = f.path.substr(0, f.path.size() - f.relPath.size());
            const auto rel = lexicallyRelative(target.lexically_normal(), fsys::path(rootText.empty() ? "." : rootText));
            f.isSymlink = true;
            f.linkTarget = text;
            f.linkStoredAsText = true;
            if (!rel.empty() && !rel.starts_with(".."))
                f.linkTargetRel = rel;
            f.error.reset();
        }
    }
}

} // namespace

std::string textLinkTarget(const ScannedFile& f, ByteSource& src)
{
    if (f.checkpoint || !f.error || f.identity.size == 0 || f.identity.size > 1024 ||
        (f.error->code != ErrorCode::UnknownFormat && f.error->code != ErrorCode::LegacyBadMagic))
        return {};
    std::string text(static_cast<std::size_t>(f.identity.size), '\0');
    if (!src.readAt(0, std::span(reinterpret_cast<std::uint8_t*>(text.data()), text.size())))
        return {};
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
        text.pop_back();
    const bool plain = !text.empty() && text.ends_with(".ckpt") &&
                       std::all_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x20; });
    return plain ? text : std::string();
}

void takeJudged(ScannedFile& f, checkpoint::Judged&& judged)
{
    f.verdict = judged.audit.verdict;
    f.verdictSummary = judged.audit.summary;
    if (judged.checkpoint) {
        // a truncated file is read as far as it survived; its Checkpoint says so (truncated, truncation)
        f.checkpoint = std::make_shared<const checkpoint::Checkpoint>(std::move(*judged.checkpoint));
        return;
    }
    f.error = std::move(judged.error)->inFile(f.path);
}

Result<ScanResult> FolderScanner::scan(const std::string& folder, const ScanOptions& options)
{
    std::lock_guard lock(m_mutex);
    // The persistent cache answers for files it has a record of (same identity, enough detail); only with
    // the reading limits its records were made with.
    ScanCache* const cache = options.cache && options.read.limits == pickle::Limits{} &&
                                     options.read.zipLimits == zip::ZipLimits{} && !options.read.verifyCrc
                                 ? options.cache
                                 : nullptr;
    std::string folderAbs;
    auto absOf = [&](const ScannedFile& f) { return folderAbs + "/" + f.relPath; };
    const std::int64_t startNs = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                     std::chrono::system_clock::now().time_since_epoch()).count();
    if (cache) {
        std::error_code ec;
        folderAbs = fsys::absolute(folder, ec).lexically_normal().string();
        while (folderAbs.size() > 1 && folderAbs.back() == '/')
            folderAbs.pop_back();
    }
    // A tree: the cache loads its records of the tree while the walk lists it (one waits on the database,
    // the other on directories: on two cores the reopen of a large tree costs about the longer of the two).
    std::thread preparing;
    if (cache && options.recursive)
        preparing = std::thread([cache, &folderAbs] { cache->prepare(folderAbs, true); });
    auto listing = options.recursive ? std::make_shared<TreeListing>() : nullptr;
    auto listed = listCheckpoints(folder, options.recursive, listing.get());
    if (preparing.joinable())
        preparing.join();
    if (!listed)
        return std::move(listed).error();
    ScanResult result;
    result.folder = folder;
    result.files = std::move(*listed);
    result.tree = std::move(listing);
    // one folder: its records only, and none to load when it holds no checkpoint (a tree's root, which the
    // callers then scan recursively)
    const bool prepared = cache && (options.recursive || !result.files.empty());
    if (cache && !options.recursive && prepared)
        cache->prepare(folderAbs, false);

    // Decide what needs reading: not links to files in the folder, not unchanged since the last scan.
    std::vector<std::size_t> todo;
    for (std::size_t i = 0; i < result.files.size(); ++i) {
        auto& f = result.files[i];
        const auto cached = m_cache.find(f.path);
        // Links to files in the folder and files seen before are stat'ed here; a file never seen is read
        // right away and its identity comes from the open file (one system call fewer per file).
        if ((f.isSymlink && !f.linkTargetRel.empty()) || cached != m_cache.end()) {
            auto id = identityOf(f.path);
            if (!id) {
                f.error = id.error();
                continue;
            }
            f.identity = *id;
        }
        if (f.isSymlink && !f.linkTargetRel.empty())
            continue;
        if (cached != m_cache.end() && cached->second.identity == f.identity && cached->second.isSymlink == f.isSymlink) {
            f.checkpoint = cached->second.checkpoint;
            f.error = cached->second.error;
            f.verdict = cached->second.verdict;
            f.verdictSummary = cached->second.verdictSummary;
            continue;
        }
        todo.push_back(i);
    }
    // With a persistent cache every file to read is first looked up there — on the workers, like reading:
    // a stat and the decoding of a record per file are most of what reopening a large tree costs.
    std::vector<char> fromCache(cache ? todo.size() : 0, 0);
    std::atomic<std::size_t> reads{0}, hits{0};

    unsigned threads = options.threads ? options.threads : std::min(8u, std::max(1u, std::thread::hardware_concurrency()));
    threads = static_cast<unsigned>(std::min<std::size_t>(threads, std::max<std::size_t>(1, todo.size())));
    std::atomic<std::size_t> next{0};
    std::atomic<bool> cancel{false};
    std::mutex progressMutex;
    std::size_t done = 0;
    auto worker = [&] {
        HugePages::forThreadHeap(); // each file's result is new heap memory: fault it in 2 MiB at a time
        for (;;) {
            if (cancel.load(std::memory_order_relaxed))
                return;
            const std::size_t k = next.fetch_add(1);
            if (k >= todo.size())
                return;
            auto& f = result.files[todo[k]];
            bool answered = false;
            if (cache) {
                if (!m_cache.contains(f.path)) { // a file seen before was stat'ed above
                    if (auto id = identityOf(f.path)) {
                        f.identity = *id;
                        answered = cache->lookup(absOf(f), f, options.read.detail);
                    }
                } else {
                    answered = cache->lookup(absOf(f), f, options.read.detail);
                }
            }
            if (answered) {
                fromCache[k] = 1;
                hits.fetch_add(1, std::memory_order_relaxed);
            } else {
                f.checkpoint.reset();
                f.error.reset();
                readOne(f, options.read);
                reads.fetch_add(1, std::memory_order_relaxed);
            }
            if (options.progress || options.fileRead) {
                std::lock_guard pl(progressMutex);
                ++done;
                if (options.fileRead)
                    options.fileRead(f);
                if (options.progress && !options.progress(done, todo.size()))
                    cancel = true;
            }
        }
    };
    if (threads <= 1) {
        worker();
    } else {
        std::vector<std::jthread> pool;
        pool.reserve(threads);
        for (unsigned t = 0; t < threads; ++t)
            pool.emplace_back(worker);
    }
    result.cancelled = cancel.load();
    result.reread = reads.load();
    result.fromIndex = hits.load();
    if (prepared && !result.cancelled) { // (not prepared: the records of another folder, which a store would drop)
        // What was read, except what may still change unseen: a file written in the last two seconds (its
        // next write may keep size and mtime tick), a text link (resolved against this folder), and
        // failures of the system rather than of the file.
        constexpr std::int64_t kSettledNs = 2'000'000'000;
        std::vector<std::pair<std::string, const ScannedFile*>> read;
        for (std::size_t k = 0; k < todo.size(); ++k) {
            if (fromCache[k])
                continue;
            const auto& f = result.files[todo[k]];
            if (f.linkStoredAsText || f.identity.mtimeNs > startNs - kSettledNs || (!f.checkpoint && !f.error))
                continue;
            if (f.error && !f.checkpoint) {
                const auto name = errorCodeName(f.error->code);
                if (name.starts_with("Io") || name.starts_with("Fs"))
                    continue;
            }
            read.emplace_back(absOf(f), &f);
        }
        std::vector<std::string> listed;
        listed.reserve(result.files.size());
        for (const auto& f : result.files)
            listed.push_back(absOf(f));
        cache->store(folderAbs, options.recursive, read, listed, options.read.detail);
    }
    if (options.remember)
        for (auto& f : result.files)
            if (f.checkpoint || f.error)
                m_cache[f.path] = f;
    return result;
}

} // namespace podium::ranking
