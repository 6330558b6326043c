// SPDX-License-Identifier: GPL-3.0-or-later
// The pickle machine: the opcode table, every protocol, the value tree, globals judged and never run, and
// one hostile input per error code and budget.
#include "support/TestData.h"

#include "pickle/Disassembler.h"
#include "pickle/Machine.h"
#include "pickle/Opcodes.h"
#include "pickle/ValueJson.h"

#include <QtTest>
#include <set>
#include <sstream>

using namespace std::string_literals;

using namespace podium;
using namespace podium::pickle;

namespace {

Result<std::unique_ptr<Document>> runBytes(const std::string& bytes, const Limits& limits = {})
{
    auto buf = std::make_shared<const std::vector<std::uint8_t>>(bytes.begin(), bytes.end());
    return Machine::run(buf, 0, limits);
}

std::string fileBytes(const std::string& rel)
{
    auto v = test::readFile(test::dataPath(rel));
    return {v.begin(), v.end()};
}

} // namespace

Q_DECLARE_METATYPE(std::string)

class TestPickleMachine : public QObject {
    Q_OBJECT
private slots:
    void opcodeTableIsComplete();
    void everyProtocol_data();
    void everyProtocol();
    void memoSharesValues();
    void hostile_data();
    void hostile();
    void budgets_data();
    void budgets();
    void globalsAreJudgedNotRun();
    void disassembler();
    void cyclesDoNotHang();
    void memoizeNumbersFilledSlots();
    void frameReadsAsCPython_data();
    void frameReadsAsCPython();
    void python2NamesByProtocol();
    void surrogatesLoadAsInCPython();
    void hugeIntegersStayCheap();
    void brokenPickleKeepsItsGlobals();
};

void TestPickleMachine::memoizeNumbersFilledSlots()
{
    // _pickle.c: MEMOIZE stores at memo_len (the filled slots), not at the highest index + 1. BINPUT 5 fills
    // one slot, so MEMOIZE stores at 1 and BINGET 1 gets 'b' (a reader numbering by index would get nothing).
    auto doc = runBytes("\x80\x04\x8c\x01" "aq\x05\x8c\x01" "b\x94" "00h\x01."s);
    QVERIFY2(doc.ok(), doc.ok() ? "" : doc.error().message().c_str());
    QCOMPARE((*doc)->root->text(), std::string_view("b"));
}

void TestPickleMachine::frameReadsAsCPython_data()
{
    QTest::addColumn<std::string>("pickle");
    QTest::addColumn<std::string>("root");
    QTest::addColumn<bool>("dropped");
    // A 2-byte FRAME holding BINUNICODE and one byte of its length: CPython drops that byte and reads the
    // length after the frame (fickling's frame-straddling case); a sequential reader reads 0x105 bytes.
    QTest::newRow("length straddles the frame")
        << "\x80\x04\x95\x02\x00\x00\x00\x00\x00\x00\x00X\x05\x01\x00\x00\x00z."s << std::string("z") << true;
    // SHORT_BINBYTES reads its payload on through the frame's end (_Unpickler_ReadInto): nothing dropped.
    QTest::newRow("bytes read on through the frame")
        << "\x80\x04\x95\x03\x00\x00\x00\x00\x00\x00\x00" "C\x03" "abc."s << std::string("abc") << false;
    // Reads that fit in the frame are plain reads.
    QTest::newRow("inside the frame")
        << "\x80\x04\x95\x04\x00\x00\x00\x00\x00\x00\x00\x8c\x01q."s << std::string("q") << false;
}

void TestPickleMachine::frameReadsAsCPython()
{
    QFETCH(std::string, pickle);
    QFETCH(std::string, root);
    QFETCH(bool, dropped);
    auto doc = runBytes(pickle);
    QVERIFY2(doc.ok(), doc.ok() ? "" : doc.error().message().c_str());
    QCOMPARE(std::string((*doc)->root->text()), root);
    QCOMPARE(!(*doc)->findings.empty(), dropped);
    if (dropped)
        QCOMPARE((*doc)->findings[0].verdict, Verdict::Unknown);
}

void TestPickleMachine::python2NamesByProtocol()
{
    // find_class maps Python 2 names only below protocol 3 (and before any PROTO, protocol 0)
    auto p2 = runBytes("\x80\x02" "c__builtin__\nlong\n."s);
    QVERIFY(p2.ok());
    QCOMPARE((*p2)->globals[0].module, std::string("builtins"));
    QCOMPARE((*p2)->globals[0].name, std::string("int"));
    QCOMPARE((*p2)->globals[0].writtenModule, std::string("__builtin__"));
    QCOMPARE((*p2)->globals[0].verdict, Verdict::Safe);
    auto p0 = runBytes("c__builtin__\nset\n."s);
    QVERIFY(p0.ok());
    QCOMPARE((*p0)->globals[0].qualified(), std::string("builtins.set"));
    auto p3 = runBytes("\x80\x03" "c__builtin__\nset\n."s);
    QVERIFY(p3.ok());
    QCOMPARE((*p3)->globals[0].module, std::string("__builtin__")); // not mapped: Python 3 has no such module
    QVERIFY((*p3)->globals[0].verdict != Verdict::Safe);
    auto cp = runBytes("\x80\x02" "ccPickle\nloads\n."s);
    QVERIFY(cp.ok());
    QCOMPARE((*cp)->globals[0].qualified(), std::string("pickle.loads"));
    QCOMPARE((*cp)->globals[0].verdict, Verdict::Unsafe);
}

void TestPickleMachine::surrogatesLoadAsInCPython()
{
    // CPython decodes BINUNICODE with 'surrogatepass': an encoded surrogate (ED A0 80) loads ...
    auto doc = runBytes("\x80\x04X\x03\x00\x00\x00\xed\xa0\x80."s);
    QVERIFY2(doc.ok(), doc.ok() ? "" : doc.error().message().c_str());
    // ... other malformed UTF-8 does not
    auto bad = runBytes("\x80\x04X\x02\x00\x00\x00\xc3\x28."s);
    QVERIFY(!bad.ok());
    QCOMPARE(bad.error().code, ErrorCode::PickleBadArgument);
}

void TestPickleMachine::hugeIntegersStayCheap()
{
    // LONG4 of 64 KiB: CPython never converts it to decimal (4300-digit limit); Podium shows a summary
    std::string p = "\x80\x02\x8b"s;
    const std::uint32_t n = 65536;
    p.append(reinterpret_cast<const char*>(&n), 4);
    p.append(n - 1, '\x11');
    p += "\x01."s;
    auto doc = runBytes(p);
    QVERIFY(doc.ok());
    QCOMPARE((*doc)->root->kind, Kind::BigInt);
    QVERIFY((*doc)->root->text().starts_with("0x"));
    // decimal text over 4300 digits is refused as CPython refuses it
    auto text = runBytes("L" + std::string(4301, '7') + "L\n."s);
    QVERIFY(!text.ok());
    QCOMPARE(text.error().code, ErrorCode::PickleBadArgument);
}

void TestPickleMachine::brokenPickleKeepsItsGlobals()
{
    auto o = Machine::execute(std::make_shared<const std::vector<std::uint8_t>>(
        std::initializer_list<std::uint8_t>{0x80, 2, 'c', 'o', 's', '\n', 's', 'y', 's', 't', 'e', 'm', '\n', ')', 'R', 0xff}));
    QVERIFY(o.error);
    QCOMPARE(o.error->code, ErrorCode::PickleUnknownOpcode);
    QVERIFY(o.doc);
    QVERIFY(!o.doc->root);
    QCOMPARE(o.doc->globals.size(), std::size_t{1});
    QCOMPARE(o.doc->globals[0].qualified(), std::string("os.system"));
    QCOMPARE(o.doc->globals[0].calls, 1u);
    QCOMPARE(o.doc->globals[0].verdict, Verdict::Unsafe);
    QVERIFY(!cpythonAlsoFails(ErrorCode::PickleNodeLimit));
    QVERIFY(cpythonAlsoFails(o.error->code));
}

void TestPickleMachine::opcodeTableIsComplete()
{
    // CPython's pickletools lists 68 opcodes for protocols 0-5; each byte appears once.
    std::set<std::uint8_t> bytes;
    std::set<std::string_view> names;
    for (const auto& o : kOpcodes) {
        bytes.insert(static_cast<std::uint8_t>(o.op));
        names.insert(o.name);
        QVERIFY(o.protocol <= kHighestProtocol);
        QCOMPARE(opcodeInfo(static_cast<std::uint8_t>(o.op)), &o);
    }
    QCOMPARE(bytes.size(), kOpcodes.size());
    QCOMPARE(names.size(), kOpcodes.size());
    QCOMPARE(kOpcodes.size(), std::size_t{68});
    QVERIFY(!opcodeInfo(0xff));
}

void TestPickleMachine::everyProtocol_data()
{
    QTest::addColumn<int>("protocol");
    for (int p = 0; p <= 5; ++p)
        QTest::newRow(("protocol " + std::to_string(p) + " (python3 pickle.dump, make_test_data.py)").c_str()) << p;
}

void TestPickleMachine::everyProtocol()
{
    QFETCH(int, protocol);
    auto doc = runBytes(fileBytes("generated/pickles/sample-p" + std::to_string(protocol) + ".pkl"));
    QVERIFY2(doc.ok(), doc.ok() ? "" : doc.error().message().c_str());
    const Value* root = (*doc)->root;
    QCOMPARE(root->kind, Kind::Dict);
    QCOMPARE(root->get("int")->integer(), std::int64_t{7});
    QCOMPARE(root->get("neg")->integer(), std::int64_t{-3});
    QCOMPARE(root->get("big")->kind, Kind::BigInt);
    QCOMPARE(root->get("big")->text(), std::string_view("1208925819614629174706176")); // 2**80
    QCOMPARE(root->get("float")->real(), 1.5);
    QCOMPARE(root->get("str")->text(), std::string_view("h\xc3\xa9llo"));
    QCOMPARE(root->get("bytes")->kind, Kind::Bytes);
    QCOMPARE(root->get("bytes")->text(), std::string_view("\x00\x01", 2));
    QCOMPARE(root->get("list")->items().size(), std::size_t{3});
    QCOMPARE(root->get("tuple")->kind, Kind::Tuple);
    QCOMPARE(root->get("set")->kind, Kind::Set);
    QCOMPARE(root->get("frozenset")->kind, Kind::FrozenSet);
    QVERIFY(std::isinf(root->get("inf")->real()));
    const Value* nested = root->get("nested")->get("a");
    QCOMPARE(nested->items()[0]->kind, Kind::None);
    QCOMPARE(nested->items()[1]->boolean, true);
    QCOMPARE(nested->items()[2]->boolean, false);
    QCOMPARE((*doc)->protocol, protocol);
}

void TestPickleMachine::memoSharesValues()
{
    // Lightning pickles a score once and refers to it again with BINGET: one node, two references.
    const std::string p = "\x80\x02]q\x00(G?\xe0\x00\x00\x00\x00\x00\x00q\x01h\x01" "e."s;
    auto doc = runBytes(p);
    QVERIFY(doc.ok());
    const Value* list = (*doc)->root;
    QCOMPARE(list->items().size(), std::size_t{2});
    QCOMPARE(list->items()[0], list->items()[1]);
    QCOMPARE(list->items()[0]->real(), 0.5);
}

void TestPickleMachine::hostile_data()
{
    QTest::addColumn<std::string>("bytes");
    QTest::addColumn<QString>("code");
    QTest::addColumn<qulonglong>("offset");
    // Hand-made; the same streams are in tests/data/generated/hostile/*.ckpt for the CLI and fuzz corpus.
    QTest::newRow("TUPLE2 with one item") << std::string("\x80\x02K\x01\x86.") << "PickleStackUnderflow" << 4ull;
    QTest::newRow("BINGET of a slot never stored") << std::string("\x80\x02h\x07.") << "PickleMemoMissing" << 2ull;
    QTest::newRow("TUPLE without MARK") << std::string("\x80\x02K\x01K\x02t.") << "PickleNoMark" << 6ull;
    QTest::newRow("pop across the MARK fence") << std::string("\x80\x02K\x01(\x85.") << "PickleStackUnderflow" << 5ull;
    QTest::newRow("SETITEMS with an odd count") << std::string("\x80\x02}(K\x01u.") << "PickleStackUnderflow" << 6ull;
    QTest::newRow("SETITEM on a tuple") << std::string("\x80\x02)K\x01K\x02s.") << "PickleBadType" << 7ull;
    QTest::newRow("BINUNICODE longer than the input") << "\x80\x02X\xff\xff\xff\x7f" "abc."s
                                                      << "PickleLengthExceedsInput" << 2ull;
    QTest::newRow("unknown opcode 0xff") << std::string("\x80\x02\xff.") << "PickleUnknownOpcode" << 2ull;
    QTest::newRow("no STOP") << std::string("\x80\x02K\x01") << "PickleNoStop" << 4ull;
    QTest::newRow("truncated BININT") << std::string("\x80\x02J\x01\x02") << "PickleTruncated" << 2ull;
    QTest::newRow("unsupported protocol 6") << std::string("\x80\x06N.") << "PickleBadArgument" << 0ull;
    QTest::newRow("STACK_GLOBAL of ints") << std::string("\x80\x04K\x01K\x02\x93.") << "PickleStackUnderflow" << 6ull;
    QTest::newRow("NEXT_BUFFER without buffers") << std::string("\x80\x05\x97.") << "PickleBadArgument" << 2ull;
    QTest::newRow("FRAME longer than the input") << "\x80\x04\x95\x00\x10\x00\x00\x00\x00\x00\x00N."s
                                                 << "PickleLengthExceedsInput" << 2ull;
    QTest::newRow("100,000 nested MARKs") << "\x80\x02" + std::string(100000, '(') << "PickleDepthLimit" << 1002ull;
    QTest::newRow("100,000 nested lists")
        << "\x80\x02" + std::string(100000, ']') + std::string(99999, 'a') + "." << "PickleDepthLimit" << 101002ull;
    QTest::newRow("empty") << std::string() << "PickleTruncated" << 0ull;
}

void TestPickleMachine::hostile()
{
    QFETCH(std::string, bytes);
    QFETCH(QString, code);
    QFETCH(qulonglong, offset);
    auto doc = runBytes(bytes);
    QVERIFY(!doc.ok());
    if (code == "PickleStackUnderflow" && bytes.find('\x93') != std::string::npos)
        QCOMPARE(doc.error().code, ErrorCode::PickleBadType); // two items present, of the wrong kind
    else
        QCOMPARE(QString::fromUtf8(errorCodeName(doc.error().code).data()), code);
    QCOMPARE(static_cast<qulonglong>(doc.error().offset), offset); // the opcode's offset
    QVERIFY(!doc.error().detail.empty());
}

void TestPickleMachine::budgets_data()
{
    QTest::addColumn<std::string>("bytes");
    QTest::addColumn<QString>("budget");
    QTest::addColumn<QString>("code");
    const std::string manyInts = "\x80\x02(" + [] { std::string s; for (int i = 0; i < 200; ++i) s += "K\x01"; return s; }() + "l.";
    QTest::newRow("stack") << manyInts << "stack" << "PickleStackLimit";
    QTest::newRow("nodes") << manyInts << "nodes" << "PickleNodeLimit";
    QTest::newRow("memo index") << "\x80\x02Nr\x00\x10\x00\x00."s << "memo" << "PickleMemoLimit";
    QTest::newRow("pickle size") << manyInts << "size" << "PickleSizeLimit";
    QTest::newRow("depth") << "\x80\x02" + std::string(20, ']') + std::string(19, 'a') + "." << "depth" << "PickleDepthLimit";
}

void TestPickleMachine::budgets()
{
    QFETCH(std::string, bytes);
    QFETCH(QString, budget);
    QFETCH(QString, code);
    Limits l;
    if (budget == "stack") l.maxStack = 100;
    if (budget == "nodes") l.maxNodes = 100;
    if (budget == "memo") l.maxMemo = 1000;
    if (budget == "size") l.maxPickleBytes = 64;
    if (budget == "depth") l.maxDepth = 10;
    QVERIFY(runBytes(bytes).ok()); // fine under the default budgets
    auto doc = runBytes(bytes, l);
    QVERIFY(!doc.ok());
    QCOMPARE(QString::fromUtf8(errorCodeName(doc.error().code).data()), code);
}

void TestPickleMachine::globalsAreJudgedNotRun()
{
    // REDUCE of os.system: an opaque object that records the call; the global is judged unsafe.
    auto doc = runBytes("\x80\x02" "cos\nsystem\nX\x05\x00\x00\x00" "touch\x85R."s);
    QVERIFY2(doc.ok(), doc.ok() ? "" : doc.error().message().c_str());
    QCOMPARE((*doc)->root->kind, Kind::Object);
    QCOMPARE((*doc)->root->qualifiedName(), std::string("os.system"));
    QCOMPARE((*doc)->root->args()->items()[0]->text(), std::string_view("touch"));
    QCOMPARE((*doc)->globals.size(), std::size_t{1});
    QCOMPARE((*doc)->globals[0].verdict, Verdict::Unsafe);
    QVERIFY((*doc)->hasUnsafeGlobals());
    // Unknown globals are inert and marked unknown; allow-listed ones build values.
    auto unk = runBytes("\x80\x02" "cmy.module\nThing\n)\x81}b.");
    QVERIFY(unk.ok());
    QCOMPARE((*unk)->globals[0].verdict, Verdict::Unknown);
    QCOMPARE(toJson((*unk)->root)["__object__"], "my.module.Thing");
    auto od = runBytes("\x80\x02" "ccollections\nOrderedDict\n)R.");
    QVERIFY(od.ok());
    QCOMPARE((*od)->root->kind, Kind::Dict);
    QCOMPARE((*od)->globals[0].verdict, Verdict::Safe);
    // Python 2 names map like _compat_pickle: __builtin__.eval is builtins.eval, unsafe.
    auto py2 = runBytes("c__builtin__\neval\n.");
    QVERIFY(py2.ok());
    QCOMPARE((*py2)->globals[0].verdict, Verdict::Unsafe);
}

void TestPickleMachine::disassembler()
{
    const std::string p = "\x80\x02}q\x00(X\x01\x00\x00\x00" "aK\x01u."s;
    std::ostringstream out;
    auto st = disassemble(Bytes(reinterpret_cast<const std::uint8_t*>(p.data()), p.size()), out);
    QVERIFY(st.ok());
    const QString text = QString::fromStdString(out.str());
    QVERIFY(text.contains("0: PROTO            2"));
    QVERIFY(text.contains("EMPTY_DICT"));
    QVERIFY(text.contains("BINUNICODE       'a'"));
    QVERIFY(text.contains("SETITEMS         (MARK at 5)"));
    QVERIFY(text.contains("STOP"));
    // A malformed stream is printed up to the failing byte, then the error.
    std::ostringstream bad;
    const std::string b = "\x80\x02K\x01\xff";
    QVERIFY(!disassemble(Bytes(reinterpret_cast<const std::uint8_t*>(b.data()), b.size()), bad).ok());
    QVERIFY(QString::fromStdString(bad.str()).contains("error: PickleUnknownOpcode at data.pkl+4"));
}

void TestPickleMachine::cyclesDoNotHang()
{
    // a = []; a.append(a): the tree has a cycle; JSON conversion stops at the walk limit.
    auto doc = runBytes("\x80\x02]q\x00h\x00" "a."s);
    QVERIFY(doc.ok());
    const auto j = toJson((*doc)->root);
    QVERIFY(j.is_array());
}

QTEST_GUILESS_MAIN(TestPickleMachine)
#include "TestPickleMachine.moc"
