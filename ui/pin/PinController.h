// PinController: Pin as Best, Unpin and Export Manifest for the window — the core's Pinning and Manifest,
// with the questions and messages a desktop user needs. MainWindow only wires actions here.
#pragma once

#include <QObject>
#include <QString>
#include <memory>

class QWidget;

namespace podium::ui {

struct FolderState;

class PinController : public QObject {
    Q_OBJECT
public:
    explicit PinController(QWidget* parent);

    /// Pins `file` (folder-relative) with a `best.ckpt` link beside it (or `podium-best.ckpt` when Lightning's
    /// own best.ckpt is a real file there).
    void pin(std::shared_ptr<const FolderState> state, const QString& file);
    void unpin(std::shared_ptr<const FolderState> state);
    /// Asks where (JSON or CSV by suffix) and writes the manifest atomically.
    void exportManifest(std::shared_ptr<const FolderState> state);

signals:
    void changed();
    void message(const QString& text);

private:
    QWidget* m_parent;
};

} // namespace podium::ui
