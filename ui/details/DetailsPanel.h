// SPDX-License-Identifier: GPL-3.0-or-later
// DetailsPanel: everything the file says about the selected checkpoint — facts, its rank, every
// ModelCheckpoint state, hyper-parameters as a tree (OmegaConf configs included), the state_dict summary and
// the pickle safety verdict (unknown globals in orange, unsafe ones in red). Read-only.
#pragma once

#include <QWidget>
#include <memory>

class QLabel;
class QTreeWidget;
class QTreeWidgetItem;

namespace podium::ui {

struct FolderState;

class DetailsPanel : public QWidget {
    Q_OBJECT
public:
    explicit DetailsPanel(QWidget* parent = nullptr);

    /// Shows `file` (folder-relative) of `state`; an empty file clears the panel.
    void showFile(std::shared_ptr<const FolderState> state, const QString& file);
    QString file() const { return m_file; }
    QTreeWidget* tree() const { return m_tree; }

private:
    QTreeWidgetItem* section(const QString& title);
    QLabel* m_title;
    QTreeWidget* m_tree;
    QString m_file;
};

} // namespace podium::ui
