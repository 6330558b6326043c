// SPDX-License-Identifier: GPL-3.0-or-later
// Globals: the allow-list. A pickle names globals (module + name) and, in a real unpickler, calls them —
// the hole CPython's find_class leaves open and torch.load(weights_only=False) goes through. Here a
// global is only ever looked up in this table:
//   - an allow-listed name gets a Builder that makes an inert Value (a tensor description, a dict, a path
//     string, a Namespace's attributes, an OmegaConf config's content, a numpy scalar);
//   - any other name becomes an opaque Object that records its qualified name, arguments and state;
//   - names that would run code or touch the system (os.system, builtins.eval, subprocess, ...) are
//     judged Unsafe so the user sees them in red. They are never called either way.
// The verdict is an allow-list policy: only names on kAllowList are Safe. The danger list (names known to run
// code or reach the system: os.system, builtins.eval, subprocess, pydoc.locate, torch.hub ...) can never be
// complete, so it only sharpens Unknown into Unsafe; an unknown name is never called safe.
// Names are judged as Python 3 resolves them: the caller maps Python 2 names first (CompatNames.h), and a
// dotted name (protocol 4: `builtins` + `getattr.__self__.exec`, `pathlib` + `os.system`, `torch` +
// `hub.load`) is judged as the attribute path it walks.
// Adding a global: add a row to kAllowList (Globals.cpp) with the Builder it needs; see docs/architecture.md.
#pragma once

#include "pickle/Value.h"

#include <string_view>

namespace podium::pickle {

enum class Builder : std::uint16_t {
    None = 0,
    TypeRef,                 // a class or function used as a value (dict key, OmegaConf ref_type, ...)
    OrderedDict,             // collections.OrderedDict(...) / defaultdict / Counter -> Dict
    DictSubclass,            // AttributeDict & co: an Object whose dict items are shown as a dict
    RebuildTensor,           // torch._utils._rebuild_tensor(storage, offset, size, stride)
    RebuildTensorV2,         // ... (+ requires_grad, backward_hooks[, metadata])
    RebuildTensorV3,         // ... (+ requires_grad, backward_hooks, dtype[, metadata])
    RebuildParameter,        // torch._utils._rebuild_parameter(data, requires_grad, hooks)
    RebuildParameterWithState,
    RebuildFromTypeV2,       // torch._tensor._rebuild_from_type_v2(func, type, args, state)
    TorchSize,               // torch.Size(tuple) -> Tuple
    TorchDevice,             // torch.device(type[, index]) -> Object with text "cuda:0"
    TorchDtype,              // torch.float32 ... (used as values)
    StorageType,             // torch.FloatStorage ... (in persistent ids)
    Set,                     // builtins.set(iterable)
    FrozenSet,
    ByteArray,
    Slice,
    Complex,
    CodecsEncode,            // _codecs.encode(str, 'latin1') -> Bytes (protocol 2 bytes)
    Reconstructor,           // copyreg._reconstructor(cls, base, state) -> Object of cls
    NumpyScalar,             // numpy.core.multiarray.scalar(dtype, bytes) -> Int/Float/Bool
    NumpyDtype,              // numpy.dtype('f8', ...) -> Object (BUILD sets the byte order)
    Namespace,               // argparse.Namespace -> its attributes
    Path,                    // pathlib.*Path(*parts) -> "a/b/c"
    Partial,                 // functools.partial
    OmegaConfContainer,      // omegaconf DictConfig / ListConfig -> their content
    OmegaConfNode,           // omegaconf.nodes.*Node -> their value
    PlainObject,             // a known harmless class (datetime, Enum members, numpy arrays ...)
};

struct AllowEntry {
    std::string_view module;
    std::string_view name;
    Builder builder;
    DType dtype = DType::Unknown; // StorageType / TorchDtype
    /// Calling it (REDUCE, OBJ, INST, NEWOBJ) is known to be inert. False for names allowed only as values:
    /// `builtins.type` (three arguments make a class), typing's forms, callback classes.
    bool callInert = true;
};

/// The allow-list entry for module.name, or nullptr.
const AllowEntry* findAllowed(std::string_view module, std::string_view name) noexcept;

struct Judgement {
    Verdict verdict = Verdict::Unknown;
    std::string reason; ///< why, in words ("runs programs"); "" when Safe, and for a plain Unknown (not allow-listed)
};

/// Safe when allow-listed; Unsafe when the name (or the attribute path a dotted name walks) is known to run
/// code or reach the system; else Unknown. `module` and `name` as Python 3 resolves them.
Judgement judgeGlobal(std::string_view module, std::string_view name);

/// Why a global is judged unsafe, in words ("runs a shell command"), or "" when it is not.
std::string unsafeReason(std::string_view module, std::string_view name);

/// The dtype named by a numpy type string ('f4', '<f8', 'i8', 'b1', ...).
DType numpyDtype(std::string_view typestr) noexcept;

} // namespace podium::pickle
