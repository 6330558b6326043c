// SPDX-License-Identifier: GPL-3.0-or-later
// podium-cli: rank, rename and inspect PyTorch Lightning checkpoints from a terminal (no Qt needed).
#include "cli/Command.h"
#include "util/HugePages.h"

#include <iostream>

int main(int argc, char** argv)
{
    podium::HugePages::forThreadHeap(); // a rank of a big folder allocates as it reads (see HugePages.h)
    CLI::App app{"Rank, rename and inspect PyTorch Lightning checkpoints — safely (nothing in a checkpoint is executed).",
                 "podium-cli"};
    app.set_version_flag("--version", std::string("podium-cli ") + PODIUM_VERSION +
                                          "\nLicense " PODIUM_LICENSE ": GNU GPL version 3 or later <https://gnu.org/licenses/gpl.html>."
                                          "\nThis is free software: you are free to change and redistribute it."
                                          "\nThere is NO WARRANTY, to the extent permitted by law.");
    app.require_subcommand(1);
    auto commands = podium::cli::makeCommands();
    for (auto& c : commands)
        c->setup(app);
    try {
        app.parse(argc, argv);
    } catch (const CLI::Success& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        app.exit(e);
        return podium::cli::Usage;
    }
    for (auto& c : commands)
        if (c->sub && c->sub->parsed()) {
            try {
                return c->run();
            } catch (const std::exception& e) {
                std::cerr << "podium-cli: internal error: " << e.what() << '\n';
                return podium::cli::Failed;
            }
        }
    return podium::cli::Usage;
}
