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
        // The container is read by TorchFile; if the pickle itself is malformed, disassemble what is there.
        auto file = checkpoint::TorchFile::open(**src);
        if (file) {
            const auto& doc = (*file)->document();
            const auto& buf = *doc.buffer;
            std::cout << "# " << m_file << ": " << checkpoint::formatName((*file)->format()) << ", pickle of "
                      << (doc.end - doc.begin) << " bytes, protocol " << doc.protocol << "\n";
            auto st = pickle::disassemble(Bytes(buf.data() + doc.begin, doc.end - doc.begin), std::cout);
            return st ? Ok : Failed;
        }
        // Fall back to the raw pickle when the container was fine but the machine refused it.
        const Error err = file.error();
        if (auto z = zip::ZipArchive::open(**src)) {
            for (const auto& e : z->entries())
                if (e.name.ends_with("/data.pkl")) {
                    auto bytes = z->read(e);
                    if (bytes) {
                        std::cout << "# " << m_file << ": the pickle machine refused this file: " << err.describe() << "\n";
                        auto st = pickle::disassemble(*bytes, std::cout);
                        (void)st;
                        return Failed;
                    }
                }
        }
        std::cerr << "error: " << err.message() << '\n';
        return Failed;
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

std::vector<std::unique_ptr<Command>> makeCommands()
{
    std::vector<std::unique_ptr<Command>> v;
    v.push_back(makeInspectCommand());
    v.push_back(makeDisCommand());
    v.push_back(makeRankCommand());
    v.push_back(makePathCommand());
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
