// SPDX-License-Identifier: GPL-3.0-or-later
// Result<T>: a value or an Error, returned at the core API (exceptions stay inside the machines).
#pragma once

#include "util/Error.h"

#include <cassert>
#include <utility>
#include <variant>

namespace podium {

template <typename T>
class [[nodiscard]] Result {
public:
    Result(T value) : m_v(std::in_place_index<0>, std::move(value)) {}
    Result(Error error) : m_v(std::in_place_index<1>, std::move(error)) {}

    bool ok() const noexcept { return m_v.index() == 0; }
    explicit operator bool() const noexcept { return ok(); }

    T& value() & { assert(ok()); return std::get<0>(m_v); }
    const T& value() const& { assert(ok()); return std::get<0>(m_v); }
    T&& value() && { assert(ok()); return std::get<0>(std::move(m_v)); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

    const Error& error() const& { assert(!ok()); return std::get<1>(m_v); }
    Error&& error() && { assert(!ok()); return std::get<1>(std::move(m_v)); }

private:
    std::variant<T, Error> m_v;
};

/// Result<void>: success or an Error.
template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error error) : m_error(std::move(error)), m_ok(false) {}

    bool ok() const noexcept { return m_ok; }
    explicit operator bool() const noexcept { return m_ok; }
    const Error& error() const& { assert(!m_ok); return m_error; }
    Error&& error() && { assert(!m_ok); return std::move(m_error); }

private:
    Error m_error;
    bool m_ok = true;
};

using Status = Result<void>;

/// Thrown only inside parsers/machines to keep them linear; converted to Result at their API.
struct ParseFailure {
    Error error;
};

} // namespace podium
