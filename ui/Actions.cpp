// SPDX-License-Identifier: GPL-3.0-or-later
#include "Actions.h"

#include <QIcon>

namespace podium::ui {

Actions::Actions(QObject* parent) : QObject(parent)
{
    openFolder = make("actionOpenFolder", tr("&Open Folder…"), QKeySequence::Open, "document-open");
    openLocation = make("actionOpenLocation", tr("Open &Location…"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O), "network-server");
    reload = make("actionReload", tr("&Reload"), QKeySequence(Qt::Key_F5), "view-refresh");
    cancelLoad = make("actionCancelLoad", tr("&Cancel Loading"), QKeySequence(Qt::Key_Escape), "process-stop");
    copyPath = make("actionCopyPath", tr("Copy &Path"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_C), "edit-copy");
    copySnippet = make("actionCopySnippet", tr("Copy ckpt_path= &Snippet"), QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_C));
    reveal = make("actionReveal", tr("Reveal in File &Manager"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_R), "folder-open");
    inspect = make("actionInspect", tr("&Inspect"), QKeySequence(Qt::CTRL | Qt::Key_I), "document-properties");
    quit = make("actionQuit", tr("&Quit"), QKeySequence::Quit, "application-exit");
    applyRename = make("actionApplyRename", tr("Apply &Rename…"), QKeySequence(Qt::CTRL | Qt::Key_R), "edit-rename");
    undoRename = make("actionUndoRename", tr("&Undo Rename"), QKeySequence::Undo, "edit-undo");
    syncState = make("actionSyncState", tr("Update &Paths Inside Checkpoints…"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_U));
    recoverRename = make("actionRecoverRename", tr("Re&cover Interrupted Rename…"), QKeySequence());
    createRankLinks = make("actionCreateRankLinks", tr("Create Rank &Links"), QKeySequence(Qt::CTRL | Qt::Key_L), "insert-link");
    pin = make("actionPin", tr("&Pin as Best"), QKeySequence(Qt::CTRL | Qt::Key_P), "emblem-favorite");
    unpin = make("actionUnpin", tr("U&npin"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_P));
    pinSyncsState = make("actionPinSyncsState", tr("Pinning Sets best_model_path Inside Checkpoints"), QKeySequence());
    pinSyncsState->setCheckable(true);
    pinSyncsState->setToolTip(tr("When on, Pin as Best also rewrites best_model_path inside the checkpoints, so Lightning's "
                                 "ckpt_path=\"best\" loads the pinned file"));
    exportManifest = make("actionExportManifest", tr("&Export Manifest…"), QKeySequence(Qt::CTRL | Qt::Key_E), "document-save-as");
    chooseLogs = make("actionChooseLogs", tr("Choose &Logs Folder…"), QKeySequence());
    about = make("actionAbout", tr("&About Podium"), QKeySequence());
    const QString noFolder = tr("Open a folder first");
    const QString noSelection = tr("Select a checkpoint first");
    for (QAction* a : {reload, undoRename, exportManifest, chooseLogs})
        setEnabled(a, false, noFolder);
    for (QAction* a : {applyRename, createRankLinks, syncState})
        setEnabled(a, false, tr("Open a folder with ranked checkpoints first"));
    for (QAction* a : {copyPath, copySnippet, reveal, inspect, pin})
        setEnabled(a, false, noSelection);
    setEnabled(unpin, false, tr("Nothing is pinned in this folder"));
    setEnabled(recoverRename, false, tr("No interrupted rename in this folder"));
    setEnabled(cancelLoad, false, tr("Nothing is loading"));
}

QAction* Actions::make(const QString& name, const QString& text, const QKeySequence& key, const char* icon)
{
    auto* a = new QAction(text, this);
    a->setObjectName(name);
    a->setShortcut(key);
    if (icon)
        a->setIcon(QIcon::fromTheme(QString::fromLatin1(icon)));
    m_byName.insert(name, a);
    return a;
}

QAction* Actions::find(const QString& objectName) const
{
    return m_byName.value(objectName, nullptr);
}

QList<QAction*> Actions::all() const
{
    return m_byName.values();
}

void Actions::setEnabled(QAction* a, bool enabled, const QString& why)
{
    a->setEnabled(enabled);
    a->setToolTip(enabled ? a->text().remove('&').remove(QStringLiteral("…")) : why);
}

} // namespace podium::ui
