// SPDX-License-Identifier: GPL-3.0-or-later
// podium-cli dis FILE: the pickle disassembly of a checkpoint's data.pkl (or a legacy file's main pickle).
#include "cli/Command.h"

#include "checkpoint/TorchFile.h"
#include "fs/FileSource.h"
#include "pickle/Disassembler.h"

#include <iostream>

namespace podium::cli {

namespace {

class DisCommand : public Command {
public:
    void setup(CLI::App& app) override
    {
        sub = app.add_subcommand("dis", "Print the pickle disassembly of a checkpoint (offset, opcode, argument)");
        sub->add_option("file", m_file, "Checkpoint file")->required()->check(CLI::ExistingPath);
    }

    int run() override
    {
        auto src = fs::FileSource::open(m_file);
        if (!src) {
            std::cerr << "error: " << src.error().message() << '\n';
            return Failed;
        }
        // Every pickle torch.load would unpickle (a legacy file has five), as the container reader found them;
        // a pickle the machine refused is disassembled up to where it breaks.
        auto opened = checkpoint::TorchFile::openJudged(**src);
        bool ok = !opened.error;
        if (opened.trail.pickles.empty()) {
            std::cerr << "error: " << (opened.error ? opened.error->message() : m_file + ": no pickle to disassemble") << '\n';
            return Failed;
        }
        for (const auto& p : opened.trail.pickles) {
            const auto& doc = *p.doc;
            const auto& buf = *doc.buffer;
            const std::size_t end = p.error ? buf.size() : doc.end;
            std::cout << "# " << m_file << ": " << opened.trail.container << ", " << p.part << ", "
                      << (end - doc.begin) << " bytes, protocol " << doc.protocol
                      << (p.readByTorch ? "" : " (torch.load does not read it)") << "\n";
            if (p.error)
                std::cout << "# the pickle machine stops here: " << p.error->describe() << "\n";
            auto st = pickle::disassemble(Bytes(buf.data() + doc.begin, end - doc.begin), std::cout);
            ok = ok && st;
        }
        if (opened.error)
            std::cerr << "error: " << opened.error->message() << '\n';
        return ok ? Ok : Failed;
    }

private:
    std::string m_file;
};

} // namespace

std::unique_ptr<Command> makeDisCommand() { return std::make_unique<DisCommand>(); }

std::unique_ptr<Command> makeInspectCommand();
std::unique_ptr<Command> makeRankCommand();
std::unique_ptr<Command> makePathCommand();
std::unique_ptr<Command> makeRenameCommand();
std::unique_ptr<Command> makeUndoCommand();
std::unique_ptr<Command> makeRecoverCommand();
std::unique_ptr<Command> makePinCommand();
std::unique_ptr<Command> makeUnpinCommand();
std::unique_ptr<Command> makeManifestCommand();
std::unique_ptr<Command> makeMetricsCommand();
std::unique_ptr<Command> makeSyncCommand();
std::unique_ptr<Command> makeAuditCommand();
std::unique_ptr<Command> makeRunsCommand();

std::vector<std::unique_ptr<Command>> makeCommands()
{
    std::vector<std::unique_ptr<Command>> v;
    v.push_back(makeInspectCommand());
    v.push_back(makeAuditCommand());
    v.push_back(makeDisCommand());
    v.push_back(makeRankCommand());
    v.push_back(makePathCommand());
    v.push_back(makeRunsCommand());
    v.push_back(makeRenameCommand());
    v.push_back(makeUndoCommand());
    v.push_back(makeRecoverCommand());
    v.push_back(makePinCommand());
    v.push_back(makeUnpinCommand());
    v.push_back(makeManifestCommand());
    v.push_back(makeSyncCommand());
    v.push_back(makeMetricsCommand());
    return v;
}

} // namespace podium::cli
