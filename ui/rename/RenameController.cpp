// SPDX-License-Identifier: GPL-3.0-or-later
#include "rename/RenameController.h"

#include "Session.h"
#include "common/DialogSeam.h"
#include "rename/NameTemplate.h"
#include "rename/RankLinks.h"
#include "rename/RenameExecutor.h"
#include "common/BackgroundTask.h"

#include <QScopeGuard>
#include <functional>
#include "sync/StateSync.h"

#include <QCheckBox>

#include <QDialog>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>
#include <filesystem>

namespace podium::ui {

namespace {

std::string groupDir(const FolderState& s, const ranking::Group& g)
{
    return std::filesystem::absolute(s.folder.toStdString() + "/" + g.directory).lexically_normal().string();
}

void fillTable(QTableWidget* table, const std::vector<std::array<QString, 3>>& rows)
{
    table->setRowCount(static_cast<int>(rows.size()));
    for (int i = 0; i < static_cast<int>(rows.size()); ++i)
        for (int c = 0; c < 3; ++c)
            table->setItem(i, c, new QTableWidgetItem(rows[static_cast<std::size_t>(i)][static_cast<std::size_t>(c)]));
    table->resizeColumnsToContents();
}

QTableWidget* movesTable(const QStringList& headers)
{
    auto* table = new QTableWidget(0, 3);
    table->setHorizontalHeaderLabels(headers);
    table->verticalHeader()->hide();
    table->horizontalHeader()->setStretchLastSection(true);
    table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    return table;
}

std::vector<std::array<QString, 3>> rowsOf(const rename::RenamePlan& plan)
{
    std::vector<std::array<QString, 3>> rows;
    for (const auto& m : plan.moves)
        rows.push_back({QString::number(m.rank), QString::fromStdString(m.from), QString::fromStdString(m.to)});
    return rows;
}

} // namespace

RenameController::RenameController(QWidget* parent)
    : QObject(parent), m_parent(parent), m_template(QString::fromUtf8(rename::kDefaultTemplate.data(), rename::kDefaultTemplate.size()))
{
}

namespace {

/// Plans (on the worker: planning reads the files) and applies a sync with progress per file and Cancel.
Result<sync::SyncReport> syncInBackground(QWidget* parent, const std::function<sync::SyncPlan()>& makePlan,
                                          const std::string& pairedWith, bool rebased)
{
    return runInBackground(parent, RenameController::tr("Updating the paths inside the checkpoints…"), [&](TaskProgress& p) {
        sync::SyncExecutor ex;
        ex.progress = [&](std::size_t done, std::size_t total, const std::string& file, std::uint64_t) {
            p.done = done;
            p.total = total;
            p.setFile(file);
        };
        ex.cancelled = [&] { return p.cancel.load(); };
        return ex.apply(makePlan(), pairedWith, rebased);
    });
}

} // namespace

void RenameController::applyRename(std::shared_ptr<const FolderState> state, int groupIndex)
{
    if (m_busy) { // a file operation is running (its progress dialog is up)
        emit message(tr("Another operation is still running."));
        return;
    }
    m_busy = true;
    const auto idle = qScopeGuard([this] { m_busy = false; });
    if (!state || groupIndex < 0 || groupIndex >= static_cast<int>(state->ranking.groups.size()))
        return;
    const auto& g = state->ranking.groups[static_cast<std::size_t>(groupIndex)];
    const std::string dir = groupDir(*state, g);
    const auto names = rename::namesInDirectory(dir);
    rename::PlanConfig pc;
    pc.tempTag = rename::newJournalId();
    pc.nameTemplate = m_template.toStdString();
    auto plan = rename::planRename(g, names, pc);

    // The preview: old → new, the template (editable: the plan follows it), conflicts in words.
    QDialog d(m_parent);
    d.setObjectName("renamePreview");
    d.setWindowTitle(tr("Apply Rename"));
    auto* layout = new QVBoxLayout(&d);
    auto* intro = new QLabel(tr("Rename the ranked checkpoints of %1 so that their names carry their rank. Nothing is "
                                "overwritten; Undo Rename puts every name back.").arg(QString::fromStdString(g.label())));
    intro->setWordWrap(true);
    layout->addWidget(intro);
    auto* form = new QFormLayout;
    auto* tmpl = new QLineEdit(m_template);
    tmpl->setObjectName("renameTemplate");
    tmpl->setToolTip(tr("Fields: {stem} {rank} {k} {monitor} {score} {epoch} {step}"));
    form->addRow(tr("Name template:"), tmpl);
    layout->addLayout(form);
    auto* table = movesTable({tr("Rank"), tr("Now"), tr("New name")});
    table->setObjectName("renameTable");
    layout->addWidget(table);
    auto* syncBox = new QCheckBox(tr("Also update the paths inside the checkpoints (so Lightning's resume and "
                                     "ckpt_path=\"best\" see the new names)"));
    syncBox->setObjectName("renameSyncState");
    syncBox->setChecked(m_syncState);
    layout->addWidget(syncBox);
    auto* problem = new QLabel;
    problem->setObjectName("renameProblem");
    problem->setWordWrap(true);
    problem->setStyleSheet(QStringLiteral("color: #c62828"));
    layout->addWidget(problem);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Cancel);
    QPushButton* apply = buttons->addButton(tr("Apply"), QDialogButtonBox::AcceptRole);
    QObject::connect(buttons, &QDialogButtonBox::accepted, &d, &QDialog::accept);
    QObject::connect(buttons, &QDialogButtonBox::rejected, &d, &QDialog::reject);
    layout->addWidget(buttons);
    auto refresh = [&] {
        fillTable(table, plan ? rowsOf(*plan) : std::vector<std::array<QString, 3>>{});
        problem->setText(!plan ? QString::fromStdString(plan.error().describe())
                               : plan->empty() ? tr("Nothing to rename: the ranked checkpoints already carry their rank.")
                                               : QString());
        apply->setEnabled(plan && !plan->empty());
    };
    QObject::connect(tmpl, &QLineEdit::textChanged, &d, [&](const QString& t) {
        pc.nameTemplate = t.toStdString();
        plan = rename::planRename(g, names, pc);
        refresh();
    });
    refresh();
    d.resize(620, 360);
    if (DialogSeam::exec(&d) != QDialog::Accepted)
        return;
    if (!plan) {
        emit message(QString::fromStdString(plan.error().message()));
        return;
    }
    if (plan->empty()) {
        emit message(tr("Nothing to rename: the ranked checkpoints already carry their rank."));
        return;
    }
    m_template = QString::fromStdString(pc.nameTemplate);
    m_syncState = syncBox->isChecked();
    const auto ids = rename::identitiesIn(state->scan, g.directory);
    rename::ApplyOptions opts;
    // file operations run on a worker: the window stays responsive (a progress dialog after 300 ms)
    auto applyPlan = [&] {
        return runInBackground(m_parent, tr("Renaming checkpoints…"), [&](TaskProgress&) {
            return rename::RenameExecutor().apply(dir, *plan, ids, opts);
        });
    };
    auto r = applyPlan();
    if (!r && r.error().code == ErrorCode::FolderActive) {
        QMessageBox box(QMessageBox::Question, tr("Training may still be running"),
                        QString::fromStdString(r.error().detail) + "\n\n" + tr("Rename anyway?"),
                        QMessageBox::Yes | QMessageBox::No, m_parent);
        box.setObjectName("renameActiveQuestion");
        const int answer = DialogSeam::exec(&box);
        if (answer != QMessageBox::Yes && answer != QDialog::Accepted)
            return;
        opts.force = true;
        r = applyPlan();
    }
    if (!r) {
        QMessageBox box(QMessageBox::Warning, tr("Rename failed"), QString::fromStdString(r.error().message()) + "\n\n" +
                        tr("No checkpoint was lost; files already moved are listed in the journal (Recover)."), QMessageBox::Ok, m_parent);
        box.setObjectName("renameFailed");
        DialogSeam::exec(&box);
        emit message(QString::fromStdString(r.error().message()));
        emit changed();
        return;
    }
    QString syncNote;
    if (m_syncState) {
        auto synced = syncInBackground(m_parent, [&] { return sync::planSync(dir, {}); }, r->journalId, false);
        syncNote = synced ? tr("The paths inside %1 checkpoint(s) were updated.").arg(synced->files)
                          : tr("The paths inside the checkpoints were NOT updated: %1").arg(QString::fromStdString(synced.error().message()));
    }
    // The result summary: what moved, and how to take it back.
    QDialog done(m_parent);
    done.setObjectName("renameResult");
    done.setWindowTitle(tr("Rename applied"));
    auto* dl = new QVBoxLayout(&done);
    dl->addWidget(new QLabel(tr("Renamed %1 checkpoint(s). Ranking ▸ Undo Rename puts the names back.").arg(r->moved.size())));
    if (!syncNote.isEmpty())
        dl->addWidget(new QLabel(syncNote));
    auto* result = movesTable({tr("Rank"), tr("Was"), tr("Now")});
    std::vector<std::array<QString, 3>> rows;
    for (const auto& m : plan->moves)
        rows.push_back({QString::number(m.rank), QString::fromStdString(m.from), QString::fromStdString(m.to)});
    fillTable(result, rows);
    dl->addWidget(result);
    auto* ok = new QDialogButtonBox(QDialogButtonBox::Ok);
    QObject::connect(ok, &QDialogButtonBox::accepted, &done, &QDialog::accept);
    dl->addWidget(ok);
    done.resize(560, 300);
    DialogSeam::exec(&done);
    emit message(tr("Renamed %1 checkpoint(s); Undo Rename puts the names back.").arg(r->moved.size()));
    emit changed();
}

void RenameController::undoRename(std::shared_ptr<const FolderState> state, int groupIndex)
{
    if (m_busy) { // a file operation is running (its progress dialog is up)
        emit message(tr("Another operation is still running."));
        return;
    }
    m_busy = true;
    const auto idle = qScopeGuard([this] { m_busy = false; });
    if (!state || groupIndex < 0 || groupIndex >= static_cast<int>(state->ranking.groups.size()))
        return;
    const auto& g = state->ranking.groups[static_cast<std::size_t>(groupIndex)];
    const std::string dir = groupDir(*state, g);
    auto r = runInBackground(m_parent, tr("Undoing the last operation…"), [&](TaskProgress&) {
        return sync::undoLast(fs::FileSystem::real(), dir);
    });
    if (!r) {
        emit message(QString::fromStdString(r.error().message()));
        return;
    }
    emit message(tr("Undone: %1.").arg(QString::fromStdString(*r)));
    emit changed();
}

void RenameController::createRankLinks(std::shared_ptr<const FolderState> state, int groupIndex)
{
    if (!state || groupIndex < 0 || groupIndex >= static_cast<int>(state->ranking.groups.size()))
        return;
    const auto& g = state->ranking.groups[static_cast<std::size_t>(groupIndex)];
    auto links = rename::planRankLinks(g, m_template.toStdString());
    if (!links) {
        emit message(QString::fromStdString(links.error().message()));
        return;
    }
    if (links->empty()) {
        emit message(tr("Nothing to link: the ranked checkpoints already carry their rank."));
        return;
    }
    if (auto st = rename::createRankLinks(fs::FileSystem::real(), groupDir(*state, g), *links); !st) {
        emit message(QString::fromStdString(st.error().message()));
        emit changed();
        return;
    }
    emit message(tr("Created %1 rank link(s), e.g. %2 → %3.")
                     .arg(links->size())
                     .arg(QString::fromStdString(links->front().name), QString::fromStdString(links->front().target)));
    emit changed();
}

void RenameController::syncState(std::shared_ptr<const FolderState> state, int groupIndex)
{
    if (m_busy) { // a file operation is running (its progress dialog is up)
        emit message(tr("Another operation is still running."));
        return;
    }
    m_busy = true;
    const auto idle = qScopeGuard([this] { m_busy = false; });
    if (!state || groupIndex < 0 || groupIndex >= static_cast<int>(state->ranking.groups.size()))
        return;
    const auto& g = state->ranking.groups[static_cast<std::size_t>(groupIndex)];
    const std::string dir = groupDir(*state, g);
    sync::SyncConfig sc;
    sc.rebase = !g.embeddedDirpath.empty() && g.embeddedDirpath != dir;

    QDialog d(m_parent);
    d.setObjectName("syncPreview");
    d.setWindowTitle(tr("Update Paths Inside Checkpoints"));
    auto* layout = new QVBoxLayout(&d);
    auto* intro = new QLabel(tr("Lightning keeps the top-k bookkeeping inside every checkpoint, with the paths of the "
                                "training machine (%1). Rewrite those paths so that a resume and ckpt_path=\"best\" "
                                "find the files as they are now. Only the paths change; Undo puts the original bytes back.")
                                 .arg(QString::fromStdString(g.embeddedDirpath)));
    intro->setWordWrap(true);
    layout->addWidget(intro);
    auto* rebase = new QCheckBox(tr("Also point them at this folder (%1)").arg(QString::fromStdString(dir)));
    rebase->setObjectName("syncRebase");
    rebase->setChecked(sc.rebase);
    layout->addWidget(rebase);
    auto* table = movesTable({tr("File"), tr("Field"), tr("New path")});
    table->setObjectName("syncTable");
    layout->addWidget(table);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Cancel);
    QPushButton* apply = buttons->addButton(tr("Rewrite"), QDialogButtonBox::AcceptRole);
    QObject::connect(buttons, &QDialogButtonBox::accepted, &d, &QDialog::accept);
    QObject::connect(buttons, &QDialogButtonBox::rejected, &d, &QDialog::reject);
    layout->addWidget(buttons);
    sync::SyncPlan plan;
    auto refresh = [&] {
        sc.rebase = rebase->isChecked();
        plan = sync::planSync(dir, sc);
        std::vector<std::array<QString, 3>> rows;
        for (const auto& f : plan.files)
            for (const auto& c : f.changes)
                rows.push_back({QString::fromStdString(f.file), QString::fromStdString(c.field), QString::fromStdString(c.to)});
        for (const auto& e : plan.skipped)
            rows.push_back({QString::fromStdString(e.file), tr("not rewritten"), QString::fromStdString(e.describe())});
        fillTable(table, rows);
        apply->setEnabled(!plan.empty());
    };
    QObject::connect(rebase, &QCheckBox::toggled, &d, refresh);
    refresh();
    d.resize(720, 380);
    if (DialogSeam::exec(&d) != QDialog::Accepted)
        return;
    if (plan.empty()) {
        emit message(tr("The paths inside the checkpoints already name the files as they are."));
        return;
    }
    auto r = syncInBackground(m_parent, [&] { return plan; }, {}, sc.rebase);
    if (!r) {
        emit message(QString::fromStdString(r.error().message()));
        emit changed();
        return;
    }
    emit message(tr("Updated the paths inside %1 checkpoint(s) (%2 bytes written); Undo Rename restores them.")
                     .arg(r->files).arg(r->bytesWritten));
    emit changed();
}

void RenameController::offerRecovery(std::shared_ptr<const FolderState> state)
{
    if (m_busy) { // a file operation is running (its progress dialog is up)
        emit message(tr("Another operation is still running."));
        return;
    }
    m_busy = true;
    const auto idle = qScopeGuard([this] { m_busy = false; });
    if (!state || state->interrupted.empty())
        return;
    for (const auto& dir : state->interrupted) {
        QMessageBox box(QMessageBox::Warning, tr("Interrupted rename"),
                        tr("A rename in %1 was interrupted (a crash or a full disk). Complete it now, or roll it back "
                           "to the old names? Until then Podium will not rename in this folder.").arg(QString::fromStdString(dir)),
                        QMessageBox::NoButton, m_parent);
        box.setObjectName("recoverQuestion");
        QPushButton* complete = box.addButton(tr("Complete"), QMessageBox::AcceptRole);
        QPushButton* rollback = box.addButton(tr("Roll Back"), QMessageBox::DestructiveRole);
        box.addButton(QMessageBox::Cancel);
        box.setDefaultButton(complete);
        const int answer = DialogSeam::exec(&box);
        const bool doRollback = DialogSeam::answer ? answer == kAnswerRollBack : box.clickedButton() == rollback;
        const bool doComplete = DialogSeam::answer ? answer == QDialog::Accepted : box.clickedButton() == complete;
        if (!doRollback && !doComplete)
            continue;
        auto r = runInBackground(m_parent, tr("Recovering an interrupted operation…"), [&](TaskProgress&) {
            return sync::recoverAny(fs::FileSystem::real(), dir, doRollback);
        });
        if (!r) {
            emit message(QString::fromStdString(r.error().message()));
            continue;
        }
        emit message(QString::fromStdString(*r));
    }
    emit changed();
}

} // namespace podium::ui
