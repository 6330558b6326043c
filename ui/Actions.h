// SPDX-License-Identifier: GPL-3.0-or-later
// Actions: the registry that owns every QAction of the window — objectName (tests trigger actions by it),
// text, shortcut, and whether it is enabled with a tooltip saying why not.
#pragma once

#include <QAction>
#include <QHash>
#include <QObject>

namespace podium::ui {

class Actions : public QObject {
    Q_OBJECT
public:
    explicit Actions(QObject* parent = nullptr);

    QAction* openFolder = nullptr;      ///< "actionOpenFolder", Ctrl+O
    QAction* openLocation = nullptr;    ///< "actionOpenLocation", Ctrl+Shift+O: an s3:// or https:// URL
    QAction* reload = nullptr;          ///< "actionReload", F5
    QAction* cancelLoad = nullptr;      ///< "actionCancelLoad", Esc
    QAction* copyPath = nullptr;        ///< "actionCopyPath", Ctrl+Shift+C
    QAction* copySnippet = nullptr;     ///< "actionCopySnippet", Ctrl+Alt+C: ckpt_path="…"
    QAction* reveal = nullptr;          ///< "actionReveal", Ctrl+Shift+R
    QAction* inspect = nullptr;         ///< "actionInspect", Ctrl+I: the details panel
    QAction* applyRename = nullptr;     ///< "actionApplyRename", Ctrl+R
    QAction* undoRename = nullptr;      ///< "actionUndoRename", Ctrl+Z
    QAction* recoverRename = nullptr;   ///< "actionRecoverRename"
    QAction* syncState = nullptr;       ///< "actionSyncState": rewrite the paths inside the checkpoints
    QAction* createRankLinks = nullptr; ///< "actionCreateRankLinks", Ctrl+L
    QAction* pin = nullptr;             ///< "actionPin", Ctrl+P
    QAction* unpin = nullptr;           ///< "actionUnpin", Ctrl+Shift+P
    QAction* pinSyncsState = nullptr;   ///< "actionPinSyncsState" (checkable): a pin also sets best_model_path
    QAction* exportManifest = nullptr;  ///< "actionExportManifest", Ctrl+E
    QAction* chooseLogs = nullptr;      ///< "actionChooseLogs": read the run's logs from another folder
    QAction* about = nullptr;           ///< "actionAbout"
    QAction* quit = nullptr;            ///< "actionQuit", Ctrl+Q

    /// The action with this objectName, or nullptr.
    QAction* find(const QString& objectName) const;
    QList<QAction*> all() const;
    /// Enables `a`, or disables it with `why` as its tooltip.
    static void setEnabled(QAction* a, bool enabled, const QString& why = {});

private:
    QAction* make(const QString& name, const QString& text, const QKeySequence& key, const char* icon = nullptr);
    QHash<QString, QAction*> m_byName;
};

} // namespace podium::ui
