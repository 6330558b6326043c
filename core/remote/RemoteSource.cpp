// SPDX-License-Identifier: GPL-3.0-or-later
#include "remote/RemoteSource.h"

#include <cstring>

namespace podium::remote {

Error noRangesError(const std::string& url)
{
    return Error(ErrorCode::RemoteNoRanges, "the server ignores byte ranges (it answered a range with the whole "
                                            "object): Podium reads a few ranges of a checkpoint and will not download "
                                            "all of it unless asked (--allow-full-download)").inFile(url);
}

RemoteSource::RemoteSource(RemoteStore& store, RemoteStore::Probe probe) : m_store(store), m_object(std::move(probe.object))
{
    if (probe.whole) {
        m_whole = std::move(probe.head);
    } else {
        m_head = std::move(probe.head);
        if (!m_head.empty())
            account(m_head.size());
    }
}

Status RemoteSource::readAt(std::uint64_t offset, std::span<std::uint8_t> out)
{
    if (out.empty())
        return {};
    if (offset < m_head.size() && offset + out.size() <= m_object.size) {
        const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(out.size(), m_head.size() - offset));
        std::memcpy(out.data(), m_head.data() + offset, n);
        offset += n;
        out = out.subspan(n);
        if (out.empty())
            return {};
    }
    if (offset > m_object.size || out.size() > m_object.size - offset)
        return Error(ErrorCode::IoReadFailed, "read of " + std::to_string(out.size()) + " bytes at " + std::to_string(offset) +
                                                  " is past the end of the object (" + std::to_string(m_object.size) + " bytes)",
                     offset).inFile(m_object.url);
    if (!m_whole.empty()) {
        std::memcpy(out.data(), m_whole.data() + offset, out.size());
        account(out.size());
        return {};
    }
    const auto last = offset + out.size() - 1;
    auto resp = m_store.http().perform(m_store.get(m_object, std::make_pair(offset, last)));
    if (!resp)
        return std::move(resp).error();
    if (resp->wholeBodyRefused)
        return noRangesError(m_object.url);
    if (resp->status == 200 && m_store.allowFullDownload()) {
        if (resp->body.size() != m_object.size)
            return Error(ErrorCode::IoReadFailed, "the whole object came with " + std::to_string(resp->body.size()) +
                                                      " bytes, the listing said " + std::to_string(m_object.size)).inFile(m_object.url);
        m_whole = std::move(resp->body);
        std::memcpy(out.data(), m_whole.data() + offset, out.size());
        account(out.size());
        return {};
    }
    if (resp->status != 206)
        return m_store.statusError(*resp, m_object.url, "reading bytes " + std::to_string(offset) + "-" + std::to_string(last));
    if (resp->body.size() != out.size())
        return Error(ErrorCode::IoReadFailed, "asked for " + std::to_string(out.size()) + " bytes, the server sent " +
                                                  std::to_string(resp->body.size()) + " (the object changed?)", offset)
            .inFile(m_object.url);
    std::memcpy(out.data(), resp->body.data(), out.size());
    account(out.size());
    return {};
}

} // namespace podium::remote
