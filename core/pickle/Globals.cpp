// SPDX-License-Identifier: GPL-3.0-or-later
#include "pickle/Globals.h"

#include <array>

namespace podium::pickle {

namespace {

using B = Builder;
using D = DType;

// clang-format off
constexpr AllowEntry kAllowList[] = {
    // containers and builtins
    {"collections", "OrderedDict", B::OrderedDict},
    {"collections", "defaultdict", B::OrderedDict},
    {"collections", "Counter", B::OrderedDict},
    {"builtins", "set", B::Set}, {"__builtin__", "set", B::Set},
    {"builtins", "frozenset", B::FrozenSet}, {"__builtin__", "frozenset", B::FrozenSet},
    {"builtins", "bytearray", B::ByteArray}, {"__builtin__", "bytearray", B::ByteArray},
    {"builtins", "slice", B::Slice}, {"__builtin__", "slice", B::Slice},
    {"builtins", "complex", B::Complex}, {"__builtin__", "complex", B::Complex},
    {"builtins", "object", B::TypeRef}, {"builtins", "int", B::TypeRef}, {"builtins", "float", B::TypeRef},
    {"builtins", "str", B::TypeRef}, {"builtins", "bool", B::TypeRef}, {"builtins", "dict", B::TypeRef},
    {"builtins", "list", B::TypeRef}, {"builtins", "tuple", B::TypeRef}, {"builtins", "bytes", B::TypeRef},
    {"builtins", "NoneType", B::TypeRef}, {"builtins", "long", B::TypeRef}, {"builtins", "unicode", B::TypeRef}, {"builtins", "type", B::TypeRef},
    {"typing", "Any", B::TypeRef}, {"typing", "Dict", B::TypeRef}, {"typing", "List", B::TypeRef},
    {"typing", "Optional", B::TypeRef}, {"typing", "Union", B::TypeRef}, {"typing", "Tuple", B::TypeRef},
    {"_codecs", "encode", B::CodecsEncode},
    {"copyreg", "_reconstructor", B::Reconstructor}, {"copy_reg", "_reconstructor", B::Reconstructor},
    {"datetime", "datetime", B::PlainObject}, {"datetime", "date", B::PlainObject},
    {"datetime", "time", B::PlainObject}, {"datetime", "timedelta", B::PlainObject},
    {"datetime", "timezone", B::PlainObject}, {"decimal", "Decimal", B::PlainObject},
    {"fractions", "Fraction", B::PlainObject}, {"uuid", "UUID", B::PlainObject},
    {"enum", "Enum", B::TypeRef},
    {"argparse", "Namespace", B::Namespace},
    {"pathlib", "Path", B::Path}, {"pathlib", "PosixPath", B::Path}, {"pathlib", "PurePosixPath", B::Path},
    {"pathlib", "WindowsPath", B::Path}, {"pathlib", "PureWindowsPath", B::Path}, {"pathlib", "PurePath", B::Path},
    {"functools", "partial", B::Partial},
    // torch tensors and storages
    {"torch._utils", "_rebuild_tensor", B::RebuildTensor},
    {"torch._utils", "_rebuild_tensor_v2", B::RebuildTensorV2},
    {"torch._utils", "_rebuild_tensor_v3", B::RebuildTensorV3},
    {"torch._utils", "_rebuild_parameter", B::RebuildParameter},
    {"torch._utils", "_rebuild_parameter_with_state", B::RebuildParameterWithState},
    {"torch._tensor", "_rebuild_from_type_v2", B::RebuildFromTypeV2},
    {"torch._utils", "_rebuild_sparse_tensor", B::PlainObject},
    {"torch._utils", "_rebuild_sparse_csr_tensor", B::PlainObject},
    {"torch._utils", "_rebuild_device_tensor_from_numpy", B::PlainObject},
    {"torch._utils", "_rebuild_qtensor", B::PlainObject},
    {"torch._utils", "_rebuild_meta_tensor_no_storage", B::PlainObject},
    {"torch._utils", "_rebuild_wrapper_subclass", B::PlainObject},
    {"torch._utils", "_rebuild_nested_tensor", B::PlainObject},
    {"torch._utils", "_rebuild_xla_tensor", B::PlainObject},
    {"torch._utils", "_rebuild_mlc_tensor", B::PlainObject},
    {"torch.serialization", "_get_layout", B::PlainObject},
    {"torch", "Size", B::TorchSize},
    {"torch", "device", B::TorchDevice},
    {"torch", "Tensor", B::TypeRef}, {"torch.nn.parameter", "Parameter", B::TypeRef},
    {"torch.nn.parameter", "Buffer", B::TypeRef},
    {"torch", "strided", B::TypeRef}, {"torch", "sparse_coo", B::TypeRef}, {"torch", "sparse_csr", B::TypeRef},
    {"torch", "per_tensor_affine", B::TypeRef}, {"torch", "per_channel_affine", B::TypeRef},
    {"torch", "per_tensor_symmetric", B::TypeRef}, {"torch", "per_channel_symmetric", B::TypeRef},
    {"torch", "contiguous_format", B::TypeRef}, {"torch", "channels_last", B::TypeRef},
    {"torch", "preserve_format", B::TypeRef},
    {"torch", "FloatStorage", B::StorageType, D::Float32},
    {"torch", "DoubleStorage", B::StorageType, D::Float64},
    {"torch", "HalfStorage", B::StorageType, D::Float16},
    {"torch", "BFloat16Storage", B::StorageType, D::BFloat16},
    {"torch", "LongStorage", B::StorageType, D::Int64},
    {"torch", "IntStorage", B::StorageType, D::Int32},
    {"torch", "ShortStorage", B::StorageType, D::Int16},
    {"torch", "CharStorage", B::StorageType, D::Int8},
    {"torch", "ByteStorage", B::StorageType, D::UInt8},
    {"torch", "BoolStorage", B::StorageType, D::Bool},
    {"torch", "ComplexFloatStorage", B::StorageType, D::Complex64},
    {"torch", "ComplexDoubleStorage", B::StorageType, D::Complex128},
    {"torch", "QInt8Storage", B::StorageType, D::QInt8},
    {"torch", "QUInt8Storage", B::StorageType, D::QUInt8},
    {"torch", "QInt32Storage", B::StorageType, D::QInt32},
    {"torch", "QUInt4x2Storage", B::StorageType, D::QUInt4x2},
    {"torch", "UntypedStorage", B::StorageType, D::UInt8},
    {"torch.storage", "UntypedStorage", B::StorageType, D::UInt8},
    {"torch.storage", "_UntypedStorage", B::StorageType, D::UInt8},
    {"torch.storage", "TypedStorage", B::StorageType, D::Unknown},
    {"torch.storage", "_TypedStorage", B::StorageType, D::Unknown},
    {"torch.cuda", "FloatStorage", B::StorageType, D::Float32},
    {"torch.cuda", "DoubleStorage", B::StorageType, D::Float64},
    {"torch.cuda", "HalfStorage", B::StorageType, D::Float16},
    {"torch.cuda", "BFloat16Storage", B::StorageType, D::BFloat16},
    {"torch.cuda", "LongStorage", B::StorageType, D::Int64},
    {"torch.cuda", "IntStorage", B::StorageType, D::Int32},
    {"torch.cuda", "ByteStorage", B::StorageType, D::UInt8},
    {"torch.cuda", "BoolStorage", B::StorageType, D::Bool},
    {"torch", "float32", B::TorchDtype, D::Float32}, {"torch", "float", B::TorchDtype, D::Float32},
    {"torch", "float64", B::TorchDtype, D::Float64}, {"torch", "double", B::TorchDtype, D::Float64},
    {"torch", "float16", B::TorchDtype, D::Float16}, {"torch", "half", B::TorchDtype, D::Float16},
    {"torch", "bfloat16", B::TorchDtype, D::BFloat16},
    {"torch", "int64", B::TorchDtype, D::Int64}, {"torch", "long", B::TorchDtype, D::Int64},
    {"torch", "int32", B::TorchDtype, D::Int32}, {"torch", "int", B::TorchDtype, D::Int32},
    {"torch", "int16", B::TorchDtype, D::Int16}, {"torch", "short", B::TorchDtype, D::Int16},
    {"torch", "int8", B::TorchDtype, D::Int8}, {"torch", "uint8", B::TorchDtype, D::UInt8},
    {"torch", "uint16", B::TorchDtype, D::UInt16}, {"torch", "uint32", B::TorchDtype, D::UInt32},
    {"torch", "uint64", B::TorchDtype, D::UInt64},
    {"torch", "bool", B::TorchDtype, D::Bool},
    {"torch", "complex64", B::TorchDtype, D::Complex64}, {"torch", "complex128", B::TorchDtype, D::Complex128},
    {"torch", "cfloat", B::TorchDtype, D::Complex64}, {"torch", "cdouble", B::TorchDtype, D::Complex128},
    {"torch", "qint8", B::TorchDtype, D::QInt8}, {"torch", "quint8", B::TorchDtype, D::QUInt8},
    {"torch", "qint32", B::TorchDtype, D::QInt32}, {"torch", "quint4x2", B::TorchDtype, D::QUInt4x2},
    {"torch", "float8_e4m3fn", B::TorchDtype, D::Float8E4M3}, {"torch", "float8_e5m2", B::TorchDtype, D::Float8E5M2},
    // numpy scalars (scores logged as numpy values) and arrays (kept opaque but harmless)
    {"numpy.core.multiarray", "scalar", B::NumpyScalar},
    {"numpy._core.multiarray", "scalar", B::NumpyScalar},
    {"numpy", "dtype", B::NumpyDtype},
    {"numpy.core.multiarray", "_reconstruct", B::PlainObject},
    {"numpy._core.multiarray", "_reconstruct", B::PlainObject},
    {"numpy", "ndarray", B::TypeRef},
    {"numpy.dtypes", "Float64DType", B::TypeRef}, {"numpy.dtypes", "Float32DType", B::TypeRef},
    {"numpy.dtypes", "Int64DType", B::TypeRef},
    // Lightning's hyper-parameter containers
    {"pytorch_lightning.utilities.parsing", "AttributeDict", B::DictSubclass},
    {"lightning.pytorch.utilities.parsing", "AttributeDict", B::DictSubclass},
    {"lightning_fabric.utilities.data", "AttributeDict", B::DictSubclass},
    {"lightning.fabric.utilities.data", "AttributeDict", B::DictSubclass},
    {"pytorch_lightning.callbacks.model_checkpoint", "ModelCheckpoint", B::TypeRef},
    {"lightning.pytorch.callbacks.model_checkpoint", "ModelCheckpoint", B::TypeRef},
    {"pytorch_lightning.callbacks.early_stopping", "EarlyStopping", B::TypeRef},
    {"lightning.pytorch.callbacks.early_stopping", "EarlyStopping", B::TypeRef},
    // OmegaConf (Hydra configs saved as hyper-parameters)
    {"omegaconf.dictconfig", "DictConfig", B::OmegaConfContainer},
    {"omegaconf.listconfig", "ListConfig", B::OmegaConfContainer},
    {"omegaconf.nodes", "AnyNode", B::OmegaConfNode}, {"omegaconf.nodes", "StringNode", B::OmegaConfNode},
    {"omegaconf.nodes", "IntegerNode", B::OmegaConfNode}, {"omegaconf.nodes", "FloatNode", B::OmegaConfNode},
    {"omegaconf.nodes", "BooleanNode", B::OmegaConfNode}, {"omegaconf.nodes", "EnumNode", B::OmegaConfNode},
    {"omegaconf.nodes", "PathNode", B::OmegaConfNode}, {"omegaconf.nodes", "BytesNode", B::OmegaConfNode},
    {"omegaconf.nodes", "UnionNode", B::OmegaConfNode},
    {"omegaconf.base", "ContainerMetadata", B::PlainObject}, {"omegaconf.base", "Metadata", B::PlainObject},
};

struct Danger {
    std::string_view module; // a module (and its submodules) or, with a name, one global
    std::string_view name;   // "" = every name in the module
    std::string_view reason;
};

constexpr Danger kDangerous[] = {
    {"os", "", "operating-system access (files, processes)"},
    {"posix", "", "operating-system access (files, processes)"},
    {"nt", "", "operating-system access (files, processes)"},
    {"subprocess", "", "runs programs"},
    {"commands", "", "runs shell commands"},
    {"popen2", "", "runs programs"},
    {"pty", "", "spawns processes"},
    {"socket", "", "network access"},
    {"http", "", "network access"},
    {"urllib", "", "network access"},
    {"urllib2", "", "network access"},
    {"requests", "", "network access"},
    {"ftplib", "", "network access"},
    {"smtplib", "", "network access"},
    {"telnetlib", "", "network access"},
    {"webbrowser", "", "opens programs"},
    {"runpy", "", "runs Python code"},
    {"importlib", "", "imports modules"},
    {"imp", "", "imports modules"},
    {"code", "", "runs Python code"},
    {"codeop", "", "compiles Python code"},
    {"pdb", "", "runs a debugger"},
    {"bdb", "", "runs a debugger"},
    {"shutil", "", "copies and deletes files"},
    {"tempfile", "", "creates files"},
    {"sys", "", "interpreter internals"},
    {"pickle", "", "nested unpickling"},
    {"_pickle", "", "nested unpickling"},
    {"cPickle", "", "nested unpickling"},
    {"dill", "", "nested unpickling"},
    {"marshal", "", "loads code objects"},
    {"ctypes", "", "calls native code"},
    {"multiprocessing", "", "spawns processes"},
    {"signal", "", "process signals"},
    {"platform", "popen", "runs programs"},
    {"asyncio", "", "processes and network"},
    {"types", "CodeType", "builds code objects"},
    {"types", "FunctionType", "builds functions"},
    {"builtins", "eval", "evaluates Python code"},
    {"builtins", "exec", "executes Python code"},
    {"builtins", "compile", "compiles Python code"},
    {"builtins", "__import__", "imports modules"},
    {"builtins", "getattr", "reaches any attribute"},
    {"builtins", "setattr", "changes any attribute"},
    {"builtins", "delattr", "deletes attributes"},
    {"builtins", "open", "opens files"},
    {"builtins", "globals", "interpreter internals"},
    {"builtins", "locals", "interpreter internals"},
    {"builtins", "vars", "interpreter internals"},
    {"builtins", "input", "reads the terminal"},
    {"builtins", "breakpoint", "runs a debugger"},
    {"builtins", "exit", "ends the process"},
    {"builtins", "quit", "ends the process"},
    {"__builtin__", "eval", "evaluates Python code"},
    {"__builtin__", "exec", "executes Python code"},
    {"__builtin__", "execfile", "executes Python files"},
    {"__builtin__", "compile", "compiles Python code"},
    {"__builtin__", "__import__", "imports modules"},
    {"__builtin__", "getattr", "reaches any attribute"},
    {"__builtin__", "setattr", "changes any attribute"},
    {"__builtin__", "open", "opens files"},
    {"__builtin__", "file", "opens files"},
    {"__builtin__", "apply", "calls any function"},
    {"operator", "attrgetter", "reaches any attribute"},
    {"operator", "methodcaller", "calls any method"},
    {"torch", "load", "nested torch.load"},
    {"torch.serialization", "load", "nested torch.load"},
    {"torch.storage", "_load_from_bytes", "nested torch.load"},
    {"torch.hub", "", "downloads and runs code"},
    {"numpy", "load", "loads pickles"},
    {"numpy.testing._private.utils", "runstring", "executes Python code"},
};
// clang-format on

bool moduleMatches(std::string_view module, std::string_view pattern) noexcept
{
    return module == pattern ||
           (module.size() > pattern.size() && module.starts_with(pattern) && module[pattern.size()] == '.');
}

} // namespace

const AllowEntry* findAllowed(std::string_view module, std::string_view name) noexcept
{
    for (const auto& e : kAllowList)
        if (e.name == name && e.module == module)
            return &e;
    return nullptr;
}

std::string_view unsafeReason(std::string_view module, std::string_view name) noexcept
{
    for (const auto& d : kDangerous)
        if (moduleMatches(module, d.module) && (d.name.empty() || d.name == name))
            return d.reason;
    return {};
}

Verdict judgeGlobal(std::string_view module, std::string_view name) noexcept
{
    if (!unsafeReason(module, name).empty())
        return Verdict::Unsafe;
    return findAllowed(module, name) ? Verdict::Safe : Verdict::Unknown;
}

DType numpyDtype(std::string_view t) noexcept
{
    if (!t.empty() && (t.front() == '<' || t.front() == '>' || t.front() == '=' || t.front() == '|'))
        t.remove_prefix(1);
    if (t == "f8" || t == "float64") return D::Float64;
    if (t == "f4" || t == "float32") return D::Float32;
    if (t == "f2" || t == "float16") return D::Float16;
    if (t == "i8" || t == "int64") return D::Int64;
    if (t == "i4" || t == "int32") return D::Int32;
    if (t == "i2" || t == "int16") return D::Int16;
    if (t == "i1" || t == "int8") return D::Int8;
    if (t == "u1" || t == "uint8") return D::UInt8;
    if (t == "u2" || t == "uint16") return D::UInt16;
    if (t == "u4" || t == "uint32") return D::UInt32;
    if (t == "u8" || t == "uint64") return D::UInt64;
    if (t == "b1" || t == "bool" || t == "?") return D::Bool;
    return D::Unknown;
}

} // namespace podium::pickle
