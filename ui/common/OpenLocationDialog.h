// SPDX-License-Identifier: GPL-3.0-or-later
// OpenLocationDialog: File ▸ Open Location… — a URL field (s3://bucket/prefix, https://…/model.ckpt) with the
// locations opened before (QSettings "recentLocations", most recent first) and what each form means.
#pragma once

#include <QDialog>
#include <QStringList>

class QComboBox;
class QLabel;
class QPushButton;

namespace podium::ui {

class OpenLocationDialog : public QDialog {
    Q_OBJECT
public:
    static constexpr int kMax = 10;
    explicit OpenLocationDialog(QWidget* parent = nullptr);

    QString location() const;
    void setLocation(const QString& url);

    /// The remembered locations, most recent first.
    static QStringList recent();
    /// Remembers `url` as the most recent location.
    static void remember(const QString& url);
    /// Shows the dialog (through DialogSeam); the location chosen, or "" when cancelled.
    static QString ask(QWidget* parent);

private:
    void check();
    QComboBox* m_url;
    QLabel* m_hint;
    QPushButton* m_ok = nullptr;
};

} // namespace podium::ui
