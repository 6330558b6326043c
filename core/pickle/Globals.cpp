// SPDX-License-Identifier: GPL-3.0-or-later
#include "pickle/Globals.h"

#include <array>
#include <string>
#include <unordered_map>
#include <vector>

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
    {"builtins", "set", B::Set},
    {"builtins", "frozenset", B::FrozenSet},
    {"builtins", "bytearray", B::ByteArray},
    {"builtins", "slice", B::Slice},
    {"builtins", "complex", B::Complex},
    {"builtins", "object", B::TypeRef}, {"builtins", "int", B::TypeRef}, {"builtins", "float", B::TypeRef},
    {"builtins", "str", B::TypeRef}, {"builtins", "bool", B::TypeRef}, {"builtins", "dict", B::TypeRef},
    {"builtins", "list", B::TypeRef}, {"builtins", "tuple", B::TypeRef}, {"builtins", "bytes", B::TypeRef},
    {"builtins", "NoneType", B::TypeRef}, {"builtins", "type", B::TypeRef, D::Unknown, false},
    {"builtins", "range", B::TypeRef}, {"builtins", "Ellipsis", B::TypeRef}, {"builtins", "NotImplemented", B::TypeRef},
    {"typing", "Any", B::TypeRef, D::Unknown, false}, {"typing", "Dict", B::TypeRef, D::Unknown, false},
    {"typing", "List", B::TypeRef, D::Unknown, false}, {"typing", "Optional", B::TypeRef, D::Unknown, false},
    {"typing", "Union", B::TypeRef, D::Unknown, false}, {"typing", "Tuple", B::TypeRef, D::Unknown, false},
    {"_codecs", "encode", B::CodecsEncode},
    {"copyreg", "_reconstructor", B::Reconstructor},
    {"datetime", "datetime", B::PlainObject}, {"datetime", "date", B::PlainObject},
    {"datetime", "time", B::PlainObject}, {"datetime", "timedelta", B::PlainObject},
    {"datetime", "timezone", B::PlainObject}, {"decimal", "Decimal", B::PlainObject},
    {"fractions", "Fraction", B::PlainObject}, {"uuid", "UUID", B::PlainObject},
    {"enum", "Enum", B::TypeRef, D::Unknown, false},
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
    // callback classes: Lightning up to 1.4 keys callback states by the class (a value, never called)
    {"pytorch_lightning.callbacks.model_checkpoint", "ModelCheckpoint", B::TypeRef, D::Unknown, false},
    {"lightning.pytorch.callbacks.model_checkpoint", "ModelCheckpoint", B::TypeRef, D::Unknown, false},
    {"pytorch_lightning.callbacks.early_stopping", "EarlyStopping", B::TypeRef, D::Unknown, false},
    {"lightning.pytorch.callbacks.early_stopping", "EarlyStopping", B::TypeRef, D::Unknown, false},
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
    std::string_view module; // a module (and its submodules) or, with a name, one global of it
    std::string_view name;   // "" = every name in the module
    std::string_view reason;
};

// What is known to run code, start processes, open files or connections, or load further pickles when a
// real unpickler imports and calls it — from CPython's standard library, torch's own gadgets and the
// advisories and test suites of picklescan, fickling, modelscan and ModelAudit. It only sharpens the
// verdict: anything not on the allow-list is at least Unknown already.
constexpr Danger kDangerous[] = {
    // processes, the operating system, the interpreter
    {"os", "", "operating-system access (files, processes)"},
    {"posix", "", "operating-system access (files, processes)"},
    {"nt", "", "operating-system access (files, processes)"},
    {"subprocess", "", "runs programs"},
    {"_posixsubprocess", "", "runs programs"},
    {"_winapi", "", "runs programs"},
    {"commands", "", "runs shell commands"},
    {"popen2", "", "runs programs"},
    {"pty", "", "spawns processes"},
    {"platform", "popen", "runs programs"},
    {"platform", "_syscmd_file", "runs programs"},
    {"platform", "_syscmd_ver", "runs programs"},
    {"_osx_support", "", "runs shell commands"},
    {"_aix_support", "", "runs shell commands"},
    {"multiprocessing", "", "spawns processes"},
    {"concurrent", "", "spawns processes and threads"},
    {"threading", "", "starts threads"},
    {"_thread", "", "starts threads"},
    {"thread", "", "starts threads"},
    {"_xxsubinterpreters", "", "runs code in a sub-interpreter"},
    {"_interpreters", "", "runs code in a sub-interpreter"},
    {"interpreters", "", "runs code in a sub-interpreter"},
    {"signal", "", "process signals"},
    {"atexit", "", "registers code to run at exit"},
    {"sys", "", "interpreter internals"},
    {"gc", "", "interpreter internals"},
    {"ctypes", "", "calls native code"},
    {"_ctypes", "", "calls native code"},
    {"cffi", "", "calls native code"},
    {"resource", "", "process limits"},
    {"fcntl", "", "file descriptors"},
    {"mmap", "", "maps files"},
    {"msvcrt", "", "operating-system access"},
    {"winreg", "", "the Windows registry"},
    {"_winreg", "", "the Windows registry"},
    // running or compiling Python code, importing
    {"builtins", "eval", "evaluates Python code"},
    {"builtins", "exec", "executes Python code"},
    {"builtins", "compile", "compiles Python code"},
    {"builtins", "__import__", "imports modules"},
    {"builtins", "__build_class__", "builds classes"},
    {"builtins", "getattr", "reaches any attribute"},
    {"builtins", "setattr", "changes any attribute"},
    {"builtins", "delattr", "deletes attributes"},
    {"builtins", "open", "opens files"},
    {"builtins", "globals", "interpreter internals"},
    {"builtins", "locals", "interpreter internals"},
    {"builtins", "vars", "interpreter internals"},
    {"builtins", "input", "reads the terminal"},
    {"builtins", "breakpoint", "runs a debugger"},
    {"builtins", "help", "runs the help pager"},
    {"builtins", "exit", "ends the process"},
    {"builtins", "quit", "ends the process"},
    {"builtins", "execfile", "executes Python files"},
    {"builtins", "file", "opens files"},
    {"builtins", "apply", "calls any function"},
    {"builtins", "reload", "re-imports modules"},
    {"__builtin__", "", "Python 2 builtins (eval, execfile, open ...)"},
    {"runpy", "", "runs Python code"},
    {"importlib", "", "imports modules"},
    {"imp", "", "imports modules"},
    {"zipimport", "", "imports modules"},
    {"pkgutil", "", "imports modules (resolve_name)"},
    {"pydoc", "", "imports any object by name (locate) and runs pagers"},
    {"code", "", "runs Python code"},
    {"codeop", "", "compiles Python code"},
    {"types", "CodeType", "builds code objects"},
    {"types", "FunctionType", "builds functions"},
    {"types", "LambdaType", "builds functions"},
    {"types", "MethodType", "binds functions"},
    {"types", "ModuleType", "builds modules"},
    {"types", "new_class", "builds classes"},
    {"marshal", "", "loads code objects"},
    {"pdb", "", "runs a debugger"},
    {"bdb", "", "runs a debugger"},
    {"trace", "", "runs code under a tracer"},
    {"profile", "", "runs code under the profiler"},
    {"cProfile", "", "runs code under the profiler"},
    {"_lsprof", "", "runs code under the profiler"},
    {"timeit", "", "executes its statement"},
    {"doctest", "", "runs docstring code"},
    {"unittest", "", "runs tests"},
    {"test", "", "CPython's test helpers run interpreters"},
    {"site", "", "interpreter start-up"},
    {"sysconfig", "", "interpreter internals"},
    {"inspect", "", "interpreter internals"},
    {"operator", "attrgetter", "reaches any attribute"},
    {"operator", "methodcaller", "calls any method"},
    {"_operator", "attrgetter", "reaches any attribute"},
    {"_operator", "methodcaller", "calls any method"},
    {"functools", "reduce", "calls any function"},
    {"copyreg", "add_extension", "registers EXT codes for further pickles"},
    // installers and environments
    {"pip", "", "installs and runs packages"},
    {"ensurepip", "", "installs and runs pip"},
    {"venv", "", "creates environments and runs pip"},
    {"setuptools", "", "builds and runs packages"},
    {"distutils", "", "builds and runs packages"},
    {"pkg_resources", "", "loads entry points"},
    {"idlelib", "", "IDLE runs code"},
    {"tkinter", "", "opens windows and runs Tcl"},
    {"_tkinter", "", "runs Tcl"},
    {"turtle", "", "opens windows"},
    {"webbrowser", "", "opens programs"},
    {"antigravity", "", "opens a web browser"},
    // files
    {"io", "", "opens files"},
    {"_io", "", "opens files"},
    {"codecs", "open", "opens files"},
    {"shutil", "", "copies and deletes files"},
    {"tempfile", "", "creates files"},
    {"glob", "", "lists files"},
    {"fileinput", "", "opens files"},
    {"zipfile", "", "opens archives"},
    {"tarfile", "", "opens and extracts archives"},
    {"gzip", "", "opens files"},
    {"bz2", "", "opens files"},
    {"lzma", "", "opens files"},
    {"sqlite3", "", "opens databases"},
    {"dbm", "", "opens databases"},
    {"shelve", "", "opens databases of pickles"},
    {"logging", "", "opens files and sockets (handlers, logging.config.listen)"},
    {"linecache", "", "reads files"},
    {"pathlib", "Path.write_text", "writes files"},
    {"pathlib", "Path.write_bytes", "writes files"},
    {"pathlib", "Path.unlink", "deletes files"},
    // network
    {"socket", "", "network access"},
    {"_socket", "", "network access"},
    {"ssl", "", "network access"},
    {"select", "", "network access"},
    {"socketserver", "", "network servers"},
    {"SocketServer", "", "network servers"},
    {"http", "", "network access"},
    {"httplib", "", "network access"},
    {"urllib", "", "network access"},
    {"urllib2", "", "network access"},
    {"urllib3", "", "network access"},
    {"requests", "", "network access"},
    {"httpx", "", "network access"},
    {"aiohttp", "", "network access"},
    {"websocket", "", "network access"},
    {"websockets", "", "network access"},
    {"xmlrpc", "", "network access"},
    {"xmlrpclib", "", "network access"},
    {"ftplib", "", "network access"},
    {"smtplib", "", "network access"},
    {"poplib", "", "network access"},
    {"imaplib", "", "network access (IMAP4_stream runs a command)"},
    {"nntplib", "", "network access"},
    {"telnetlib", "", "network access"},
    {"asyncore", "", "network access"},
    {"asynchat", "", "network access"},
    {"asyncio", "", "processes and network"},
    {"paramiko", "", "network access"},
    {"boto3", "", "network access"},
    {"botocore", "", "network access"},
    {"fsspec", "", "network and file access"},
    {"s3fs", "", "network access"},
    {"smart_open", "", "network and file access"},
    // further pickles, deserialisers that run code
    {"pickle", "", "nested unpickling"},
    {"_pickle", "", "nested unpickling"},
    {"cPickle", "", "nested unpickling"},
    {"pickletools", "", "nested unpickling"},
    {"dill", "", "nested unpickling (and code objects)"},
    {"cloudpickle", "", "nested unpickling (and code objects)"},
    {"joblib", "", "nested unpickling"},
    {"yaml", "", "YAML loaders construct objects"},
    {"jsonpickle", "", "nested unpickling"},
    {"numpy", "load", "loads pickles"},
    {"numpy", "loadtxt", "reads files"},
    {"numpy", "fromfile", "reads files"},
    {"numpy", "memmap", "maps files"},
    {"numpy.lib.npyio", "", "loads pickles and files"},
    {"numpy.lib.format", "", "loads pickles"},
    {"numpy.f2py", "", "runs compilers and code"},
    {"numpy.distutils", "", "runs compilers"},
    {"numpy.testing", "", "runs code"},
    {"numpy.ctypeslib", "", "loads native libraries"},
    {"pandas", "read_pickle", "nested unpickling"},
    {"pandas.io", "", "reads files and pickles"},
    {"pandas", "read_csv", "reads files"},
    {"scipy.io", "", "reads files"},
    {"IPython", "", "runs code"},
    {"jinja2", "", "template code"},
    {"bottle", "", "web framework"},
    {"flask", "", "web framework"},
    // torch's own gadgets
    {"torch", "load", "nested torch.load"},
    {"torch", "hub", "downloads and runs code (torch.hub)"},
    {"torch", "compile", "compiles and runs code"},
    {"torch", "_load", "nested torch.load"},
    {"torch.serialization", "load", "nested torch.load"},
    {"torch.serialization", "_load", "nested torch.load"},
    {"torch.serialization", "_legacy_load", "nested torch.load"},
    {"torch.storage", "_load_from_bytes", "nested torch.load"},
    {"torch.hub", "", "downloads and runs code"},
    {"torch.jit", "", "loads and runs TorchScript"},
    {"torch.fx", "", "generates and runs code"},
    {"torch._dynamo", "", "compiles and runs code"},
    {"torch._inductor", "", "compiles and runs code (and commands)"},
    {"torch._export", "", "loads and runs programs"},
    {"torch.export", "", "loads and runs programs"},
    {"torch.utils", "", "torch.utils gadgets (cpp_extension, bottleneck, _config_module, datapipes ...)"},
    {"torch.distributed", "", "remote calls (rpc) and processes"},
    {"torch.multiprocessing", "", "spawns processes"},
    {"torch.package", "", "imports packaged code"},
    {"torch.onnx", "", "exports and runs models"},
    {"torch.testing", "", "runs code"},
    {"torch.backends", "", "native backends"},
    {"torch.ops", "", "loads and calls custom operators"},
    {"torch._ops", "", "loads and calls custom operators"},
    {"torch.library", "", "registers operators"},
    {"torch._C", "", "native internals"},
    {"torch._classes", "", "native classes"},
    {"torch.cuda", "memory", "native internals"},
    {"pytorch_lightning.utilities.cloud_io", "", "nested torch.load"},
    {"lightning.pytorch.utilities.cloud_io", "", "nested torch.load"},
    {"lightning_fabric.utilities.cloud_io", "", "nested torch.load"},
    {"lightning.fabric.utilities.cloud_io", "", "nested torch.load"},
};

// Modules a name may reach as an attribute of another module (`pathlib` + `os`, `shutil` + `os.system`):
// these make any attribute path through them unsafe.
constexpr std::string_view kDangerousModules[] = {
    "os", "posix", "nt", "sys", "subprocess", "builtins", "__builtins__", "importlib", "runpy", "socket",
    "shutil", "ctypes", "pickle", "marshal", "code", "pty", "io", "_io", "codecs", "types", "inspect", "gc",
};

// Attribute names that reach code or interpreter internals when they appear inside a dotted name
// (`getattr.__self__.exec`, `Bdb.run`): the path walks to something an attribute lookup should not reach.
constexpr std::string_view kDangerousAttributes[] = {
    "system", "popen", "exec", "eval", "execfile", "compile", "__import__", "getattr", "setattr", "delattr",
    "open", "spawn", "spawnl", "spawnv", "spawnve", "execv", "execve", "execl", "execlp", "execvp", "fork",
    "forkpty", "startfile", "run", "runcall", "runctx", "runeval", "run_path", "run_module", "_run_code",
    "runcode", "runsource", "interact", "getoutput", "getstatusoutput", "check_output", "check_call",
    "call", "load", "loads", "load_config", "locate", "resolve_name", "import_module", "write_text",
    "write_bytes", "unlink", "rmtree", "remove",
};

/// The components of a dotted path ("a.b.c" -> a, b, c).
std::vector<std::string_view> components(std::string_view path)
{
    std::vector<std::string_view> out;
    std::size_t start = 0;
    for (;;) {
        const auto dot = path.find('.', start);
        out.push_back(path.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
        if (dot == std::string_view::npos)
            return out;
        start = dot + 1;
    }
}

/// The danger entry that matches the full attribute path module + "." + name, trying every split into a
/// module prefix and a first name (so `torch` + `hub.load` and `torch.hub` + `load` both match torch.hub).
struct DangerIndex {
    std::unordered_multimap<std::string_view, const Danger*> byModule;
    DangerIndex()
    {
        for (const auto& d : kDangerous)
            byModule.emplace(d.module, &d);
    }
};

const Danger* dangerFor(std::string_view module, std::string_view name)
{
    static const DangerIndex index;
    const std::string full = std::string(module) + "." + std::string(name);
    const std::string_view path(full);
    // every module prefix of the path, at a dot: "torch", "torch.hub", "torch.hub.load"
    for (std::size_t end = path.find('.'); ; end = path.find('.', end + 1)) {
        const std::string_view prefix = path.substr(0, end);
        const auto [lo, hi] = index.byModule.equal_range(prefix);
        for (auto it = lo; it != hi; ++it) {
            const Danger& d = *it->second;
            if (d.name.empty())
                return &d;
            if (end == std::string_view::npos)
                continue;
            // what follows the module must start with the entry's (possibly dotted) name
            const std::string_view rest = path.substr(end + 1);
            if (rest == d.name || (rest.size() > d.name.size() && rest.starts_with(d.name) && rest[d.name.size()] == '.'))
                return &d;
        }
        if (end == std::string_view::npos)
            return nullptr;
    }
}

/// The allow-list as a hash table, built once (a pickle may name 100k distinct globals).
struct AllowIndex {
    std::unordered_map<std::string, const AllowEntry*> byName;
    AllowIndex()
    {
        for (const auto& e : kAllowList)
            byName.emplace(std::string(e.module) + '\n' + std::string(e.name), &e);
    }
};

const AllowIndex& allowIndex()
{
    static const AllowIndex index;
    return index;
}

} // namespace

const AllowEntry* findAllowed(std::string_view module, std::string_view name) noexcept
{
    thread_local std::string key;
    key.assign(module);
    key += '\n';
    key += name;
    const auto& idx = allowIndex().byName;
    auto it = idx.find(key);
    return it == idx.end() ? nullptr : it->second;
}

std::string unsafeReason(std::string_view module, std::string_view name)
{
    if (const Danger* d = dangerFor(module, name))
        return std::string(d->reason);
    const auto parts = components(name);
    // An attribute of some module that is itself a dangerous module: `pathlib` + `os`, `shutil` + `os.system`.
    for (const auto& p : parts)
        for (const auto m : kDangerousModules)
            if (p == m)
                return "reaches the " + std::string(m) + " module as an attribute of " + std::string(module);
    // A dotted name that walks to interpreter internals or to something that runs code.
    if (parts.size() > 1) {
        for (std::size_t i = 1; i < parts.size(); ++i) {
            const auto p = parts[i];
            if (p.size() > 4 && p.starts_with("__") && p.ends_with("__"))
                return "walks the attribute path " + std::string(name) + " through " + std::string(p) +
                       " (interpreter internals)";
            for (const auto a : kDangerousAttributes)
                if (p == a)
                    return "walks the attribute path " + std::string(name) + " to " + std::string(p);
        }
    }
    return {};
}

Judgement judgeGlobal(std::string_view module, std::string_view name)
{
    Judgement j;
    j.reason = unsafeReason(module, name);
    if (!j.reason.empty()) {
        j.verdict = Verdict::Unsafe;
        return j;
    }
    if (findAllowed(module, name)) {
        j.verdict = Verdict::Safe;
        return j;
    }
    j.verdict = Verdict::Unknown;
    if (name.find('.') != std::string_view::npos)
        j.reason = "a dotted name (an attribute path) not on the allow-list";
    // else "": plain "not on the allow-list" (a hostile pickle may name 100k globals: no string for each)
    return j;
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
