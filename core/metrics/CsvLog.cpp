// SPDX-License-Identifier: GPL-3.0-or-later
#include "metrics/CsvLog.h"

#include "fs/FileSystem.h"

#include <csv.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <map>

namespace podium::metrics {

namespace {

std::string lower(std::string_view s)
{
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

/// Collects rows from libcsv's callbacks.
struct Rows {
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> current;
    static void field(void* s, std::size_t n, void* self)
    {
        static_cast<Rows*>(self)->current.emplace_back(static_cast<const char*>(s), s ? n : 0);
    }
    static void row(int, void* self)
    {
        auto* r = static_cast<Rows*>(self);
        r->rows.push_back(std::move(r->current));
        r->current.clear();
    }
};

} // namespace

std::optional<double> parseNumber(std::string_view cell)
{
    while (!cell.empty() && std::isspace(static_cast<unsigned char>(cell.front()))) cell.remove_prefix(1);
    while (!cell.empty() && std::isspace(static_cast<unsigned char>(cell.back()))) cell.remove_suffix(1);
    if (cell.empty() || cell.size() > 64)
        return std::nullopt;
    const std::string s(cell);
    const std::string l = lower(s);
    const bool neg = !l.empty() && l[0] == '-';
    const std::string_view body = std::string_view(l).substr(!l.empty() && (l[0] == '-' || l[0] == '+') ? 1 : 0);
    if (body == "nan")
        return std::nan("");
    if (body == "inf" || body == "infinity")
        return neg ? -HUGE_VAL : HUGE_VAL;
    if (body.find_first_not_of("0123456789.e+-") != std::string_view::npos)
        return std::nullopt; // hex floats, "nan(...)" and other strtod extensions Python rejects
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    if (end != s.c_str() + s.size())
        return std::nullopt;
    return v;
}

Result<std::vector<Series>> parseMetricsCsv(std::string_view text, const std::string& path)
{
    csv_parser p;
    if (csv_init(&p, CSV_APPEND_NULL) != 0)
        return Error(ErrorCode::CsvBad, "cannot start the CSV parser").inFile(path);
    Rows rows;
    const std::size_t used = csv_parse(&p, text.data(), text.size(), &Rows::field, &Rows::row, &rows);
    const bool ok = used == text.size() && csv_fini(&p, &Rows::field, &Rows::row, &rows) == 0;
    const std::string why = ok ? std::string() : csv_strerror(csv_error(&p));
    csv_free(&p);
    if (!ok)
        return Error(ErrorCode::CsvBad, "not valid CSV: " + why, used, "metrics.csv").inFile(path);
    if (rows.rows.empty())
        return std::vector<Series>{};
    const auto& header = rows.rows.front();
    int stepCol = -1, epochCol = -1;
    for (std::size_t c = 0; c < header.size(); ++c) {
        if (header[c] == "step") stepCol = static_cast<int>(c);
        else if (header[c] == "epoch") epochCol = static_cast<int>(c);
    }
    if (stepCol < 0)
        return Error(ErrorCode::CsvBad, "no 'step' column in the header (not a Lightning metrics.csv?)", 0, "metrics.csv").inFile(path);
    std::vector<Series> out;
    std::vector<int> seriesOf(header.size(), -1);
    for (std::size_t c = 0; c < header.size(); ++c) {
        if (static_cast<int>(c) == stepCol || static_cast<int>(c) == epochCol)
            continue;
        seriesOf[c] = static_cast<int>(out.size());
        out.push_back(Series{header[c], LogKind::Csv, path, {path}, {}});
    }
    for (std::size_t r = 1; r < rows.rows.size(); ++r) {
        const auto& row = rows.rows[r];
        if (row.size() == 1 && row[0].empty())
            continue; // a blank line
        Point base;
        if (stepCol < static_cast<int>(row.size()))
            if (auto s = parseNumber(row[static_cast<std::size_t>(stepCol)]); s && std::isfinite(*s))
                base.step = static_cast<std::int64_t>(*s);
        if (epochCol >= 0 && epochCol < static_cast<int>(row.size()))
            if (auto e = parseNumber(row[static_cast<std::size_t>(epochCol)]))
                base.epoch = *e;
        for (std::size_t c = 0; c < row.size() && c < header.size(); ++c) {
            if (seriesOf[c] < 0 || row[c].empty())
                continue;
            auto v = parseNumber(row[c]);
            if (!v)
                return Error(ErrorCode::CsvBad, "row " + std::to_string(r + 1) + ", column '" + header[c] + "': '" + row[c] +
                                                    "' is not a number", r, "metrics.csv line").inFile(path);
            Point p = base;
            p.value = *v;
            out[static_cast<std::size_t>(seriesOf[c])].points.push_back(p);
        }
    }
    return out;
}

Result<std::vector<Series>> readMetricsCsv(const std::string& path)
{
    auto text = fs::FileSystem::readFile(path);
    if (!text)
        return std::move(text).error();
    return parseMetricsCsv(*text, path);
}

} // namespace podium::metrics
