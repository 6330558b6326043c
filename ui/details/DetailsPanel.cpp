// SPDX-License-Identifier: GPL-3.0-or-later
#include "details/DetailsPanel.h"

#include "Session.h"
#include "checkpoint/Checkpoint.h"

#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace podium::ui {

namespace {

using nlohmann::json;

QString text(const json& v)
{
    if (v.is_string())
        return QString::fromStdString(v.get<std::string>());
    if (v.is_null())
        return QStringLiteral("None");
    return QString::fromStdString(v.dump());
}

QTreeWidgetItem* add(QTreeWidgetItem* parent, const QString& key, const QString& value)
{
    auto* it = new QTreeWidgetItem(parent, {key, value});
    it->setToolTip(1, value);
    return it;
}

/// A JSON value as a tree: objects and arrays expand, scalars are one row.
void addJson(QTreeWidgetItem* parent, const QString& key, const json& v, int depth = 0)
{
    if ((v.is_object() || v.is_array()) && !v.empty() && depth < 12) {
        auto* it = add(parent, key, v.is_array() ? QObject::tr("[%1 items]").arg(v.size()) : QString());
        if (v.is_object())
            for (auto i = v.begin(); i != v.end(); ++i)
                addJson(it, QString::fromStdString(i.key()), i.value(), depth + 1);
        else
            for (std::size_t i = 0; i < v.size(); ++i)
                addJson(it, QString::number(i), v[i], depth + 1);
        return;
    }
    add(parent, key, v.is_object() ? QStringLiteral("{}") : v.is_array() ? QStringLiteral("[]") : text(v));
}

QString score(const std::optional<double>& s)
{
    return s ? QString::number(*s, 'g', 8) : QStringLiteral("None");
}

} // namespace

DetailsPanel::DetailsPanel(QWidget* parent) : QWidget(parent), m_title(new QLabel), m_tree(new QTreeWidget)
{
    setObjectName("detailsPanel");
    setFocusProxy(m_tree);
    m_tree->setObjectName("detailsTree");
    m_tree->setColumnCount(2);
    m_tree->setHeaderLabels({tr("Field"), tr("Value")});
    m_tree->header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    m_tree->setUniformRowHeights(true);
    m_tree->setAlternatingRowColors(true);
    m_title->setObjectName("detailsTitle");
    m_title->setWordWrap(true);
    m_title->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_title);
    layout->addWidget(m_tree, 1);
    showFile(nullptr, {});
}

QTreeWidgetItem* DetailsPanel::section(const QString& title)
{
    auto* it = new QTreeWidgetItem(m_tree, {title});
    QFont f = it->font(0);
    f.setBold(true);
    it->setFont(0, f);
    it->setFirstColumnSpanned(true);
    return it;
}

void DetailsPanel::showFile(std::shared_ptr<const FolderState> state, const QString& file)
{
    m_file = file;
    m_tree->clear();
    const ranking::ScannedFile* f = state ? state->scan.find(file.toStdString()) : nullptr;
    if (!f) {
        m_title->setText(tr("Select a checkpoint to see what it holds."));
        return;
    }
    m_title->setText(QStringLiteral("<b>%1</b>").arg(file.toHtmlEscaped()));
    auto* facts = section(tr("File"));
    add(facts, tr("path"), QString::fromStdString(f->path));
    add(facts, tr("size"), QLocale().formattedDataSize(static_cast<qint64>(f->identity.size)));
    if (f->isSymlink)
        add(facts, tr("link to"), QString::fromStdString(f->linkTarget));
    if (f->error) {
        auto* e = add(facts, tr("error"), QString::fromStdString(f->error->describe()));
        e->setForeground(1, QColor(0xC6, 0x28, 0x28));
        facts->setExpanded(true);
        return;
    }
    const checkpoint::Checkpoint* c = f->checkpoint.get();
    if (!c) {
        facts->setExpanded(true);
        return;
    }
    add(facts, tr("format"), QString::fromStdString(c->format + (c->zipPrefix.empty() ? "" : " (" + c->zipPrefix + "/)")));
    add(facts, tr("pickle"), tr("protocol %1, %2 bytes").arg(c->pickleProtocol).arg(c->pickleBytes));
    if (c->lightningVersion)
        add(facts, tr("Lightning"), QString::fromStdString(*c->lightningVersion));
    if (!c->isLightning)
        add(facts, tr("not Lightning"), QString::fromStdString(c->notLightningReason));
    add(facts, tr("epoch"), c->epoch ? QString::number(*c->epoch) : QStringLiteral("–"));
    add(facts, tr("global step"), c->globalStep ? QString::number(*c->globalStep) : QStringLiteral("–"));
    for (const auto& w : c->warnings)
        add(facts, tr("warning"), QString::fromStdString(w))->setForeground(1, QColor(0xE6, 0x7E, 0x22));
    facts->setExpanded(true);

    // its rank in every group of its directory (a tree's other runs are not its business), and across runs
    auto* ranks = section(tr("Ranking"));
    const auto slash = f->relPath.rfind('/');
    const std::string dir = slash == std::string::npos ? std::string() : f->relPath.substr(0, slash);
    for (const auto& g : state->ranking.groups) {
        QString v;
        for (const auto& e : g.ranked)
            if (e.file == f->relPath)
                v = tr("rank %1 of %2 · %3 (%4)").arg(e.rank).arg(g.ranked.size()).arg(score(e.score)).arg(QString::fromStdString(e.scoreSource));
        for (const auto& u : g.unranked)
            if (u.file == f->relPath)
                v = tr("unranked: %1").arg(QString::fromStdString(u.reason));
        if (v.isEmpty() && g.directory != dir)
            continue;
        add(ranks, QString::fromStdString(g.label()), v.isEmpty() ? tr("not in this group") : v);
    }
    if (state->runs.runs.size() > 1)
        for (const auto& e : state->leaderboard.entries)
            if (e.file == f->relPath) {
                add(ranks, tr("across runs · %1").arg(QString::fromStdString(state->leaderboard.monitor)),
                    tr("rank %1 of %2").arg(e.rank).arg(state->leaderboard.entries.size()));
                break;
            }
    ranks->setExpanded(true);

    auto* cbs = section(tr("ModelCheckpoint state"));
    for (const auto& cb : c->callbacks) {
        auto* it = add(cbs, QString::fromStdString(cb.monitor.empty() ? cb.kind : cb.monitor), QString::fromStdString(cb.stateKey));
        add(it, tr("mode"), QString::fromStdString(std::string(checkpoint::modeName(cb.mode)) + " (" + cb.modeSource + ")"));
        add(it, tr("current_score"), score(cb.currentScore));
        add(it, tr("best_model_score"), score(cb.bestModelScore));
        add(it, tr("best_model_path"), QString::fromStdString(cb.bestModelPath));
        auto* bk = add(it, tr("best_k_models"), cb.hasBestKModels ? tr("%1 entries").arg(cb.bestKModels.size()) : QStringLiteral("None"));
        for (const auto& [p, s] : cb.bestKModels)
            add(bk, QString::fromStdString(p), score(s));
        add(it, tr("kth_best_model_path"), QString::fromStdString(cb.kthBestModelPath));
        add(it, tr("kth_value"), score(cb.kthValue));
        add(it, tr("last_model_path"), QString::fromStdString(cb.lastModelPath));
        add(it, tr("dirpath"), QString::fromStdString(cb.dirpath));
        it->setExpanded(true);
    }
    for (const auto& other : c->otherCallbacks)
        add(cbs, tr("other callback"), QString::fromStdString(other));
    cbs->setExpanded(true);

    auto* hp = section(tr("Hyper-parameters"));
    if (c->hyperParameters.is_null())
        add(hp, tr("(none)"), {});
    else
        for (auto i = c->hyperParameters.begin(); c->hyperParameters.is_object() && i != c->hyperParameters.end(); ++i)
            addJson(hp, QString::fromStdString(i.key()), i.value());
    if (!c->hyperParameters.is_null() && !c->hyperParameters.is_object())
        addJson(hp, tr("value"), c->hyperParameters);
    if (!c->datamoduleHyperParameters.is_null())
        addJson(hp, tr("datamodule"), c->datamoduleHyperParameters);
    hp->setExpanded(true);

    auto* sd = section(tr("state_dict"));
    add(sd, tr("tensors"), QString::number(c->stateDict.tensors));
    add(sd, tr("parameters"), QLocale().toString(static_cast<qulonglong>(c->stateDict.elements)));
    add(sd, tr("bytes"), QLocale().formattedDataSize(static_cast<qint64>(c->stateDict.bytes)));
    for (const auto& [dt, n] : c->stateDict.dtypes)
        add(sd, tr("dtype %1").arg(QString::fromStdString(dt)), tr("%1 tensors").arg(n));
    for (const auto& [loc, n] : c->stateDict.locations)
        add(sd, tr("device %1").arg(QString::fromStdString(loc)), tr("%1 tensors").arg(n));
    add(sd, tr("optimizers"), QString::number(c->optimizers));
    add(sd, tr("lr schedulers"), QString::number(c->lrSchedulers));

    // The verdict of what torch.load would unpickle (never executed by Podium): every global and finding.
    const auto& audit = c->audit;
    const QString verdictText = QString::fromUtf8(safety::verdictName(c->verdict).data());
    auto* safety = section(tr("Safety: %1 (never executed by Podium)").arg(verdictText.toUpper()));
    safety->setToolTip(0, QString::fromStdString(audit.summary));
    const QColor red(0xC6, 0x28, 0x28), orange(0xE6, 0x7E, 0x22);
    if (c->verdict != safety::Verdict::Safe)
        safety->setForeground(0, c->verdict == safety::Verdict::Unsafe ? red : orange);
    add(safety, tr("verdict"), QString::fromStdString(audit.summary));
    for (const auto& g : audit.globals) {
        const auto vn = pickle::verdictName(g.verdict);
        const QString verdict = QString::fromUtf8(vn.data(), static_cast<qsizetype>(vn.size()));
        const std::string reason = g.reason.empty() && g.verdict == pickle::Verdict::Unknown ? "not on the allow-list" : g.reason;
        auto* it = add(safety, QString::fromStdString(g.module + "." + g.name),
                       verdict + (reason.empty() ? QString() : QStringLiteral(": ") + QString::fromStdString(reason)) +
                           tr(" · ×%1").arg(g.count) + (g.where.empty() ? QString() : tr(" · in %1").arg(QString::fromStdString(g.where))));
        if (g.verdict == pickle::Verdict::Unsafe)
            for (int col : {0, 1}) it->setForeground(col, red);
        else if (g.verdict == pickle::Verdict::Unknown)
            it->setForeground(1, orange);
    }
    for (const auto& f : audit.findings) {
        if (f.level == safety::Verdict::Safe)
            continue;
        auto* it = add(safety, tr("finding"), QString::fromStdString(f.what));
        it->setForeground(1, f.level == safety::Verdict::Unsafe ? red : orange);
    }
    safety->setExpanded(c->verdict != safety::Verdict::Safe);
}

} // namespace podium::ui
