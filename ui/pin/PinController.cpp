// SPDX-License-Identifier: GPL-3.0-or-later
#include "pin/PinController.h"

#include "Session.h"
#include "common/DialogSeam.h"
#include "manifest/Pinning.h"
#include "sync/StateSync.h"

#include <QFileInfo>
#include <filesystem>

namespace podium::ui {

PinController::PinController(QWidget* parent) : QObject(parent), m_parent(parent) {}

void PinController::pin(std::shared_ptr<const FolderState> state, const QString& file)
{
    if (!state || file.isEmpty())
        return;
    const std::string abs = std::filesystem::absolute(state->folder.toStdString() + "/" + file.toStdString()).lexically_normal().string();
    auto& fs = fs::FileSystem::real();
    auto r = manifest::pinCheckpoint(fs, abs, "best.ckpt");
    if (!r && r.error().code == ErrorCode::PinRefusesRegularFile) // Lightning's static best.ckpt is a real file
        r = manifest::pinCheckpoint(fs, abs, "podium-best.ckpt");
    if (!r) {
        emit message(QString::fromStdString(r.error().message()));
        return;
    }
    QString also;
    if (m_syncState) {
        const auto path = std::filesystem::path(abs);
        const std::string dir = path.parent_path().string();
        sync::SyncConfig sc;
        sc.bestModelFile = path.filename().string();
        auto rep = sync::SyncExecutor().apply(sync::planSync(dir, sc));
        also = rep ? tr(" best_model_path names it inside %1 checkpoint(s).").arg(rep->files)
                   : tr(" best_model_path was NOT rewritten: %1").arg(QString::fromStdString(rep.error().message()));
    }
    emit message(tr("Pinned %1: %2 points to it.").arg(file, QFileInfo(QString::fromStdString(r->link)).fileName()) + also);
    emit changed();
}

void PinController::unpin(std::shared_ptr<const FolderState> state)
{
    if (!state || !state->pin)
        return;
    if (auto st = manifest::unpinCheckpoint(fs::FileSystem::real(), state->pinDir); !st) {
        emit message(QString::fromStdString(st.error().message()));
        return;
    }
    emit message(tr("Unpinned %1.").arg(QString::fromStdString(state->pin->file)));
    emit changed();
}

void PinController::exportManifest(std::shared_ptr<const FolderState> state)
{
    if (!state)
        return;
    const QString path = DialogSeam::getSaveFileName(m_parent, tr("Export Manifest"), state->folder + "/podium-manifest.json",
                                                     tr("JSON manifest (*.json);;CSV table (*.csv)"));
    if (path.isEmpty())
        return;
    manifest::ManifestInput in;
    in.ranking = &state->ranking;
    in.scan = &state->scan;
    manifest::readFolderRecords(in, state->scan);
    const bool csv = path.endsWith(QLatin1String(".csv"), Qt::CaseInsensitive);
    const std::string text = csv ? manifest::toCsv(in) : manifest::toJson(in).dump(2) + "\n";
    if (auto st = manifest::write(fs::FileSystem::real(), path.toStdString(), text); !st) {
        emit message(QString::fromStdString(st.error().message()));
        return;
    }
    emit message(tr("Wrote %1").arg(path));
}

} // namespace podium::ui
