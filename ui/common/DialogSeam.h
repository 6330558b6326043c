// SPDX-License-Identifier: GPL-3.0-or-later
// DialogSeam: every modal dialog of the app is shown through here, so GUI tests can answer it without a
// person (KeePassXC's MessageBox::setNextAnswer does the same).
#pragma once

#include <QDialog>
#include <QFileDialog>
#include <functional>

namespace podium::ui {

struct DialogSeam {
    /// When set, called instead of QDialog::exec(); returns the dialog's result (QDialog::Accepted/Rejected).
    static inline std::function<int(QDialog*)> answer;
    /// When set, called instead of QFileDialog::getSaveFileName(); returns the chosen path ("" = cancel).
    static inline std::function<QString(const QString& suggested)> saveFile;

    /// Shows `d` modally (or asks the seam) and returns its result.
    static int exec(QDialog* d) { return answer ? answer(d) : d->exec(); }
    static QString getSaveFileName(QWidget* parent, const QString& title, const QString& suggested, const QString& filter)
    {
        return saveFile ? saveFile(suggested) : QFileDialog::getSaveFileName(parent, title, suggested, filter);
    }
};

} // namespace podium::ui
