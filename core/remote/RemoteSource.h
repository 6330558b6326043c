// SPDX-License-Identifier: GPL-3.0-or-later
// RemoteSource: a ByteSource over one remote object. Each readAt is one `Range: bytes=a-b` request — the
// same reads the local reader makes of a file (CachingSource merges nearby ones before they get here), so
// a checkpoint costs the same bytes over the network as on disk, plus headers. The first bytes may come
// with the object's size (RemoteStore::probe) and are served from memory. A server that answers a
// range with the whole object is refused (RemoteNoRanges) unless the store allows full downloads; then
// the object is read once and kept.
#pragma once

#include "remote/RemoteStore.h"
#include "util/ByteSource.h"

namespace podium::remote {

/// RemoteNoRanges for `url`: the server answered a range with the whole object.
Error noRangesError(const std::string& url);

class RemoteSource final : public ByteSource {
public:
    RemoteSource(RemoteStore& store, RemoteObject object) : m_store(store), m_object(std::move(object)) {}
    /// With what RemoteStore::probe brought: its first bytes are not fetched again (and count as read).
    RemoteSource(RemoteStore& store, RemoteStore::Probe probe);
    std::uint64_t size() const override { return m_object.size; }
    Status readAt(std::uint64_t offset, std::span<std::uint8_t> out) override;
    const std::string& name() const override { return m_object.url; }

private:
    RemoteStore& m_store;
    RemoteObject m_object;
    std::vector<std::uint8_t> m_whole; ///< with --allow-full-download from a server without ranges
    std::vector<std::uint8_t> m_head;  ///< the object's first bytes, fetched with its size
};

} // namespace podium::remote
