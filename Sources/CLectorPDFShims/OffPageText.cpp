// Drops text that lies far outside a page from the page's content stream, before Poppler interprets it.
//
// HTML-to-PDF converters (EvoPdf and its kind, common in EDGAR filings) lay a whole document out as one
// tall canvas and give every page the canvas again, shifted and clipped so that only that page's slice
// shows. Poppler interprets all of it on every page and throws away the characters that land outside the
// page (TextPage::addChar checks each glyph's origin against the page bounds), so such a document costs
// pages x pages. The filter below proves, group by group, that a `q ... Q` group only sets state and shows
// horizontal text whose baseline is far above or below the crop box, and cuts those groups out.
//
// It reads its own tokens and understands a small set of operators; anything else (marked content,
// inline images, graphics-state dictionaries that set fonts, Type 3 or vertical fonts, q/Q inside text
// objects, shows outside them, malformed operands) leaves the whole stream untouched; painting,
// XObjects, shadings, colour spaces and graphics-state dictionaries keep the groups around them.

#include "CLectorPDFShims.h"

#include <Object.h>
#include <PDFDoc.h>
#include <Page.h>
#include <Stream.h>
#include <XRef.h>
#include <GlobalParams.h>
#include <goo/GooString.h>
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

struct Matrix {
    double a = 1, b = 0, c = 0, d = 1, e = 0, f = 0;
    // this x other (row-vector convention: points are transformed by this first, then other).
    Matrix then(const Matrix &o) const {
        return {a * o.a + b * o.c, a * o.b + b * o.d, c * o.a + d * o.c, c * o.b + d * o.d,
                e * o.a + f * o.c + o.e, e * o.b + f * o.d + o.f};
    }
};

struct Operand {
    enum Kind { number, name, string, array } kind;
    double value = 0;
    std::string_view text; // into the content, which outlives the scan
};

// Tokens of a content stream, with the boundaries Poppler's lexer gives them. `next` returns false at the
// end; `bad` is set on anything this reader does not handle, and the caller then leaves the stream alone.
class Tokens {
public:
    Tokens(const unsigned char *bytes, size_t length) : p(bytes), n(length) {}

    enum Kind { end, number, name, string, arrayStart, arrayEnd, keyword };
    Kind kind = end;
    double value = 0;
    std::string_view text; // into the content
    size_t start = 0, stop = 0; // [start, stop) of the token
    bool bad = false;

    bool next() {
        skipSpaceAndComments();
        start = pos;
        if (pos >= n) { kind = end; return false; }
        unsigned char ch = p[pos];
        if (ch == '(') return literalString();
        if (ch == '<') {
            if (pos + 1 < n && p[pos + 1] == '<') return fail(); // dictionaries: marked content only
            size_t close = pos + 1;
            while (close < n && p[close] != '>') close++;
            if (close >= n) return fail();
            pos = close + 1;
            return done(string);
        }
        if (ch == '[') { pos++; return done(arrayStart); }
        if (ch == ']') { pos++; return done(arrayEnd); }
        if (ch == '/') {
            pos++;
            while (pos < n && regular(p[pos])) pos++;
            text = std::string_view(reinterpret_cast<const char *>(p + start + 1), pos - start - 1);
            if (text.find('#') != std::string_view::npos) return fail();
            return done(name);
        }
        if (ch == ')' || ch == '>' || ch == '{' || ch == '}') return fail();
        while (pos < n && regular(p[pos])) pos++;
        text = std::string_view(reinterpret_cast<const char *>(p + start), pos - start);
        if (text.size() > 32) return fail();
        if (ch == '+' || ch == '-' || ch == '.' || (ch >= '0' && ch <= '9')) {
            if (!parseNumber()) return fail();
            return done(number);
        }
        return done(keyword);
    }

private:
    const unsigned char *p;
    size_t n;
    size_t pos = 0;

    // 0 regular, 1 white space, 2 delimiter: Poppler's table.
    static const unsigned char *classes() {
        static const unsigned char *table = [] {
            static unsigned char t[256] = {};
            for (unsigned char c : {0, 9, 10, 12, 13, 32}) t[c] = 1;
            for (unsigned char c : std::string("()<>[]{}/%")) t[c] = 2;
            return t;
        }();
        return table;
    }
    static bool space(unsigned char c) { return classes()[c] == 1; }
    static bool regular(unsigned char c) { return classes()[c] == 0; }

    bool done(Kind k) { kind = k; stop = pos; return true; }
    bool fail() { bad = true; kind = end; return false; }

    void skipSpaceAndComments() {
        while (pos < n) {
            if (space(p[pos])) { pos++; continue; }
            if (p[pos] == '%') {
                while (pos < n && p[pos] != '\r' && p[pos] != '\n') pos++;
                continue;
            }
            break;
        }
    }

    bool literalString() {
        int depth = 0;
        while (pos < n) {
            unsigned char c = p[pos++];
            if (c == '\\') { if (pos < n) pos++; continue; }
            if (c == '(') depth++;
            else if (c == ')' && --depth == 0) return done(string);
        }
        return fail();
    }

    // Plain PDF numbers only ([+-] digits [. digits]); Poppler accepts odder spellings, which are left alone.
    bool parseNumber() {
        const char *s = text.data();
        size_t i = 0, n = text.size();
        bool negative = false;
        if (i < n && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
        size_t digits = 0;
        double number = 0;
        while (i < n && s[i] >= '0' && s[i] <= '9') { number = number * 10 + (s[i++] - '0'); digits++; }
        if (i < n && s[i] == '.') {
            i++;
            double scale = 0.1;
            while (i < n && s[i] >= '0' && s[i] <= '9') { number += (s[i++] - '0') * scale; scale /= 10; digits++; }
        }
        if (digits == 0 || i != n) return false;
        value = negative ? -number : number;
        if (digits > 15) value = std::strtod(std::string(text).c_str(), nullptr);
        return std::isfinite(value);
    }
};

// An operator's name packed into an integer, so that comparing it with a literal is one comparison.
struct OperatorName {
    uint32_t code;

    static constexpr uint32_t pack(const char *name, size_t length) {
        if (length > 4) return 0xFFFFFFFF;
        uint32_t packed = 0;
        for (size_t i = 0; i < length; i++) packed |= uint32_t((unsigned char)name[i]) << (8 * i);
        return packed;
    }
    explicit OperatorName(std::string_view name) : code(pack(name.data(), name.size())) {}
    template <size_t N> bool operator==(const char (&literal)[N]) const { return code == pack(literal, N - 1); }
};

struct GraphicsState {
    Matrix ctm;
    std::string_view font; // into the content
    bool fontSet = false;
    double fontSize = 0;
    double leading = 0;
    double rise = 0;
};

struct Group {
    size_t cutStart;   // where the cut begins: the end of the token before `q`
    bool droppable = true;
};

// Whether the fonts named in a page's resources are fonts whose glyphs advance horizontally and whose
// shows Poppler turns straight into characters (no Type 3 procedures).
class FontCheck {
public:
    explicit FontCheck(Dict *resources) : resources(resources) {}

    bool horizontal(std::string_view name) {
        auto found = cache.find(name);
        if (found != cache.end()) return found->second;
        bool ok = check(std::string(name));
        cache.emplace(name, ok);
        return ok;
    }

    // Whether the named graphics-state dictionary leaves the font alone.
    bool stateKeepsFont(std::string_view name) {
        if (!resources) return false;
        Object states = resources->lookup("ExtGState");
        if (!states.isDict()) return false;
        Object state = states.dictLookup(std::string(name).c_str());
        return state.isDict() && state.dictLookupNF("Font").isNull();
    }

private:
    Dict *resources;
    std::map<std::string_view, bool> cache; // keys point into the content being scanned

    bool check(const std::string &name) {
        if (!resources) return false;
        Object fonts = resources->lookup("Font");
        if (!fonts.isDict()) return false;
        Object font = fonts.dictLookup(name.c_str());
        if (!font.isDict()) return false;
        Object subtype = font.dictLookup("Subtype");
        if (subtype.isName("Type1") || subtype.isName("MMType1") || subtype.isName("TrueType")) return true;
        if (!subtype.isName("Type0")) return false;
        Object encoding = font.dictLookup("Encoding");
        if (!encoding.isName()) return false;
        std::string cmap = encoding.getName();
        return cmap.size() >= 2 && cmap.compare(cmap.size() - 2, 2, "-H") == 0;
    }
};

// Reads a content stream and collects the `q ... Q` groups that can go. Each operator family has its own
// method; a method answers `Step::other` for operators that are not its own, and `Step::bail` for anything
// that leaves the whole stream untouched.
class OffPageScanner {
public:
    OffPageScanner(const PDFRectangle &crop, FontCheck &fonts) : crop(crop), fonts(fonts) {}

    // The byte ranges of `content` that can go, or an empty list.
    std::vector<std::pair<size_t, size_t>> scan(const unsigned char *content, size_t length) {
        Tokens tokens(content, length);
        size_t previousEnd = 0;
        while (tokens.next()) {
            if (!take(tokens, previousEnd)) return {};
            previousEnd = tokens.stop;
            if (operands.size() > 64) return {}; // no operator read here takes more
        }
        if (tokens.bad || arrayDepth != 0 || !operands.empty()) return {};
        return cuts;
    }

private:
    enum class Step { done, other, bail };

    const PDFRectangle &crop;
    FontCheck &fonts;
    std::vector<std::pair<size_t, size_t>> cuts;
    std::vector<Operand> operands;
    std::vector<GraphicsState> states = std::vector<GraphicsState>(1);
    std::vector<Group> groups;
    bool inText = false, ctmChangedInText = false;
    bool pathOpen = false, clipPending = false;
    Matrix tm, tlm;
    int arrayDepth = 0;

    // One token: operands are collected, an operator is applied. False: hands off the stream.
    bool take(const Tokens &tokens, size_t previousEnd) {
        switch (tokens.kind) {
        case Tokens::number:
            if (arrayDepth == 0) operands.push_back({Operand::number, tokens.value, {}});
            return true;
        case Tokens::name:
            if (arrayDepth == 0) operands.push_back({Operand::name, 0, tokens.text});
            return true;
        case Tokens::string:
            if (arrayDepth == 0) operands.push_back({Operand::string, 0, {}});
            return true;
        case Tokens::arrayStart:
            arrayDepth++;
            return true;
        case Tokens::arrayEnd:
            if (arrayDepth == 0) return false;
            if (--arrayDepth == 0) operands.push_back({Operand::array, 0, {}});
            return true;
        case Tokens::keyword: {
            if (arrayDepth != 0) return false;
            const OperatorName op(tokens.text);
            Step step = groupOperator(op, previousEnd, tokens.stop);
            if (step == Step::other) step = textOperator(op);
            if (step == Step::other) step = pathOperator(op);
            if (step == Step::other) step = styleOperator(op);
            // Marked content, inline images, Type 3 glyph operators, compatibility sections, anything
            // unknown: the stream stays as it is.
            if (step != Step::done) return false;
            operands.clear();
            return true;
        }
        case Tokens::end:
            return true;
        }
        return false;
    }

    static Step check(bool ok) { return ok ? Step::done : Step::bail; }

    void keepEnclosing() {
        for (auto &group : groups) group.droppable = false;
    }

    bool numbers(size_t count) const {
        if (operands.size() != count) return false;
        for (auto &operand : operands)
            if (operand.kind != Operand::number) return false;
        return true;
    }

    void nextLine(double tx, double ty) {
        tlm = Matrix{1, 0, 0, 1, tx, ty}.then(tlm);
        tm = tlm;
    }

    // q, Q and cm: groups open and close; a group that only showed far text is cut.
    Step groupOperator(OperatorName op, size_t cutStart, size_t stop) {
        GraphicsState &state = states.back();
        if (op == "q") {
            // Nesting deeper than any real page needs is a hostile file's: hands off.
            if (!operands.empty() || inText || pathOpen || clipPending || groups.size() >= 4096) return Step::bail;
            states.push_back(state);
            groups.push_back({cutStart});
            return Step::done;
        }
        if (op == "Q") {
            if (!operands.empty() || inText || groups.empty() || states.size() < 2) return Step::bail;
            Group group = groups.back();
            groups.pop_back();
            states.pop_back();
            if (group.droppable && !pathOpen && !clipPending) {
                // A group that goes swallows the ones cut inside it.
                while (!cuts.empty() && cuts.back().first >= group.cutStart) cuts.pop_back();
                cuts.emplace_back(group.cutStart, stop);
            } else if (!groups.empty()) {
                groups.back().droppable = false;
            }
            return Step::done;
        }
        if (op == "cm") {
            if (!numbers(6)) return Step::bail;
            Matrix m{operands[0].value, operands[1].value, operands[2].value,
                     operands[3].value, operands[4].value, operands[5].value};
            state.ctm = m.then(state.ctm);
            if (inText) ctmChangedInText = true;
            return Step::done;
        }
        return Step::other;
    }

    // Text objects, text state, positioning and shows.
    Step textOperator(OperatorName op) {
        GraphicsState &state = states.back();
        if (op == "BT") {
            if (!operands.empty() || inText) return Step::bail;
            inText = true;
            ctmChangedInText = false;
            tm = tlm = Matrix{};
            return Step::done;
        }
        if (op == "ET") {
            if (!operands.empty() || !inText) return Step::bail;
            inText = false;
            return Step::done;
        }
        if (op == "Tf") {
            if (operands.size() != 2 || operands[0].kind != Operand::name || operands[1].kind != Operand::number)
                return Step::bail;
            state.font = operands[0].text;
            state.fontSet = true;
            state.fontSize = operands[1].value;
            return Step::done;
        }
        if (op == "Tm") {
            if (!numbers(6) || !inText) return Step::bail;
            tm = tlm = Matrix{operands[0].value, operands[1].value, operands[2].value,
                              operands[3].value, operands[4].value, operands[5].value};
            return Step::done;
        }
        if (op == "Td" || op == "TD") {
            if (!numbers(2) || !inText) return Step::bail;
            if (op == "TD") state.leading = -operands[1].value;
            nextLine(operands[0].value, operands[1].value);
            return Step::done;
        }
        if (op == "T*") {
            if (!operands.empty() || !inText) return Step::bail;
            nextLine(0, -state.leading);
            return Step::done;
        }
        if (op == "TL" || op == "Ts" || op == "Tc" || op == "Tw" || op == "Tz" || op == "Tr") {
            if (!numbers(1)) return Step::bail;
            if (op == "TL") state.leading = operands[0].value;
            if (op == "Ts") state.rise = operands[0].value;
            return Step::done;
        }
        if (op == "Tj" || op == "TJ" || op == "'" || op == "\"") {
            Operand::Kind kind = op == "TJ" ? Operand::array : Operand::string;
            size_t count = op == "\"" ? 3 : 1;
            if (operands.size() != count || operands.back().kind != kind) return Step::bail;
            if (op == "\"" && !(operands[0].kind == Operand::number && operands[1].kind == Operand::number))
                return Step::bail;
            if (op == "'" || op == "\"") {
                if (!inText) return Step::bail;
                nextLine(0, -state.leading);
            }
            return check(show());
        }
        return Step::other;
    }

    // A show at the current text position: off the page by far, or the enclosing groups stay.
    bool show() {
        // Shows outside text objects are left to Poppler. Inside one, Poppler refreshes the text
        // device's font at the first show (BT marks the font changed), so a cut group never leaves a
        // stale font behind for the shows that stay.
        if (!inText) return false;
        GraphicsState &state = states.back();
        if (!state.fontSet || groups.empty()) {
            keepEnclosing();
            return true;
        }
        Matrix m = tm.then(state.ctm);
        double scale = std::fabs(state.fontSize * m.d) + std::fabs(state.fontSize * m.c);
        bool horizontal = m.b == 0 && std::isfinite(m.f) && std::isfinite(m.d) && !ctmChangedInText;
        double baseline = state.rise * m.d + m.f;
        // Far: a baseline that distant cannot put a glyph's origin on the page, which is all Poppler's
        // text device looks at; 16 font sizes also keep any real glyph out of a render.
        double margin = std::max(72.0, 16 * scale);
        bool far = horizontal && std::isfinite(baseline) && std::isfinite(margin) &&
                   (baseline < crop.y1 - margin || baseline > crop.y2 + margin);
        if (!far || !fonts.horizontal(state.font)) keepEnclosing();
        return true;
    }

    // Path construction, clipping and painting (painting keeps the groups around it).
    Step pathOperator(OperatorName op) {
        if (op == "m" || op == "l" || op == "re" || op == "c" || op == "v" || op == "y" || op == "h") {
            size_t count = op == "h" ? 0 : op == "re" || op == "c" ? (op == "re" ? 4 : 6)
                           : (op == "v" || op == "y") ? 4 : 2;
            if (!numbers(count) || inText) return Step::bail;
            pathOpen = true;
            return Step::done;
        }
        if (op == "W" || op == "W*") {
            if (!operands.empty()) return Step::bail;
            clipPending = true;
            return Step::done;
        }
        if (op == "n") {
            if (!operands.empty()) return Step::bail;
            pathOpen = clipPending = false;
            return Step::done;
        }
        if (op == "f" || op == "F" || op == "f*" || op == "S" || op == "s" || op == "B" || op == "B*" || op == "b" ||
            op == "b*") {
            if (!operands.empty()) return Step::bail;
            pathOpen = clipPending = false;
            keepEnclosing();
            return Step::done;
        }
        return Step::other;
    }

    // Colours, line style, graphics-state dictionaries, XObjects and shadings.
    Step styleOperator(OperatorName op) {
        if (op == "g" || op == "G" || op == "w" || op == "J" || op == "j" || op == "M" || op == "i")
            return check(numbers(1));
        if (op == "rg" || op == "RG") return check(numbers(3));
        if (op == "k" || op == "K") return check(numbers(4));
        if (op == "d")
            return check(operands.size() == 2 && operands[0].kind == Operand::array && operands[1].kind == Operand::number);
        if (op == "ri") return check(operands.size() == 1 && operands[0].kind == Operand::name);
        if (op == "gs") {
            // A graphics-state dictionary may set a font, which this reader does not follow.
            if (operands.size() != 1 || operands[0].kind != Operand::name || !fonts.stateKeepsFont(operands[0].text))
                return Step::bail;
            keepEnclosing();
            return Step::done;
        }
        if (op == "Do" || op == "sh" || op == "cs" || op == "CS" || op == "sc" || op == "scn" || op == "SC" ||
            op == "SCN") {
            // XObjects, shadings and colour spaces draw or may draw: the groups around them stay.
            keepEnclosing();
            return Step::done;
        }
        return Step::other;
    }
};

// All of a stream's bytes, or nothing when they exceed `limit`.
std::optional<std::vector<unsigned char>> readAll(Stream *stream, size_t limit) {
    std::vector<unsigned char> bytes;
    unsigned char buffer[16384];
    stream->reset();
    int count;
    while ((count = stream->doGetChars(sizeof buffer, buffer)) > 0) {
        bytes.insert(bytes.end(), buffer, buffer + count);
        if (bytes.size() > limit) {
            stream->close();
            return std::nullopt;
        }
    }
    stream->close();
    return bytes;
}

// A plain /FlateDecode stream (no predictor) inflated with zlib, several times faster than Poppler's own
// decoder; nothing unless zlib reads it to its end, and then the bytes are the same as Poppler's.
std::optional<std::vector<unsigned char>> inflated(Object &streamObject, size_t limit) {
    Dict *dict = streamObject.streamGetDict();
    Object filter = dict->lookup("Filter");
    if (filter.isArray() && filter.arrayGetLength() == 1) filter = filter.arrayGet(0);
    if (!filter.isName("FlateDecode") || !dict->lookup("DecodeParms").isNull() || !dict->lookup("DP").isNull())
        return std::nullopt;
    auto read = readAll(streamObject.getStream()->getUndecodedStream(), limit);
    if (!read) return std::nullopt;
    std::vector<unsigned char> &input = *read;
    z_stream z{};
    if (inflateInit(&z) != Z_OK) return std::nullopt;
    std::vector<unsigned char> output(std::min(limit, std::max<size_t>(input.size() * 8, 65536)));
    z.next_in = input.data();
    z.avail_in = (uInt)input.size();
    int status = Z_OK;
    while (status == Z_OK) {
        if (z.total_out == output.size()) {
            if (output.size() >= limit) break;
            output.resize(std::min(limit, output.size() * 2));
        }
        z.next_out = output.data() + z.total_out;
        z.avail_out = (uInt)(output.size() - z.total_out);
        status = inflate(&z, Z_NO_FLUSH);
    }
    size_t produced = z.total_out;
    inflateEnd(&z);
    if (status != Z_STREAM_END) return std::nullopt;
    output.resize(produced);
    return output;
}

// The decoded bytes of a content stream, or nothing when they exceed `limit` or take a decoder that may
// be slow on hostile input (JBIG2, DCT, CCITT and the like, which Poppler decodes whole): only plain
// Flate and unfiltered streams are read.
std::optional<std::vector<unsigned char>> decoded(Object &streamObject, size_t limit) {
    if (auto fast = inflated(streamObject, limit)) return fast;
    Dict *dict = streamObject.streamGetDict();
    if (!dict->lookup("Filter").isNull() || !dict->lookup("F").isNull()) return std::nullopt;
    return readAll(streamObject.getStream(), limit);
}

// Poppler's writer in memory. It writes stream data one `printf("%c")` per byte; that case skips the
// formatter, which otherwise took longer than the whole cut.
class MemoryOutStream : public OutStream {
public:
    std::vector<char> bytes;

    void close() override {}
    Goffset getPos() override { return (Goffset)bytes.size(); }
    void put(char c) override { bytes.push_back(c); }
    void printf(const char *format, ...) override {
        va_list arguments;
        va_start(arguments, format);
        if (format[0] == '%' && format[1] == 'c' && format[2] == 0) {
            bytes.push_back((char)va_arg(arguments, int));
        } else {
            va_list again;
            va_copy(again, arguments);
            int length = std::vsnprintf(nullptr, 0, format, again);
            va_end(again);
            if (length > 0) {
                size_t at = bytes.size();
                bytes.resize(at + length + 1);
                std::vsnprintf(bytes.data() + at, length + 1, format, arguments);
                bytes.resize(at + length);
            }
        }
        va_end(arguments);
    }
};

} // namespace

static int dropOffPageText(const char *bytes, size_t length, int first_page, int last_page, unsigned char **out,
                           size_t *out_length) {
    *out = nullptr;
    *out_length = 0;
    if (!globalParams) globalParams = std::make_unique<GlobalParams>();
    // The new contents; MemStream borrows them, so they outlive the document (declared before it).
    std::vector<std::unique_ptr<std::vector<char>>> replacements;
    auto *stream = new MemStream(bytes, 0, (Goffset)length, Object(objNull));
    // A file whose cross-reference table Poppler had to rebuild gets no incremental update on top.
    bool reconstructed = false;
    PDFDoc document(stream, std::optional<GooString>(), std::optional<GooString>(), nullptr,
                    [&reconstructed]() { reconstructed = true; });
    if (!document.isOk() || document.isEncrypted() || reconstructed) return 0;
    XRef *xref = document.getXRef();
    Catalog *catalog = document.getCatalog();
    int pages = document.getNumPages();
    if (pages <= 0) return 0;
    first_page = std::max(1, first_page);
    last_page = std::min(pages, last_page);

    // A content stream or page object that appears more than once is left alone: replacing it would
    // change the other places too.
    std::map<Ref, int> pageUses, contentUses;
    for (int number = 1; number <= pages; number++) {
        Ref *ref = catalog->getPageRef(number);
        if (!ref) return 0;
        pageUses[*ref]++;
        Object pageObject = xref->fetch(*ref);
        if (!pageObject.isDict()) continue;
        Object contents = pageObject.dictLookupNF("Contents").copy();
        if (contents.isRef()) contentUses[contents.getRef()]++;
        if (contents.isArray())
            for (int index = 0; index < contents.arrayGetLength(); index++) {
                const Object &part = contents.arrayGetNF(index);
                if (part.isRef()) contentUses[part.getRef()]++;
            }
    }

    size_t keptTotal = 0;
    int changed = 0;
    for (int number = first_page; number <= last_page; number++) {
        Ref pageRef = *catalog->getPageRef(number);
        Page *page = catalog->getPage(number);
        if (!page || pageUses[pageRef] != 1) continue;
        Object pageObject = xref->fetch(pageRef);
        if (!pageObject.isDict()) continue;
        // The page's content: one stream or an array of them, which Poppler reads as one with a
        // break between the parts (a token never runs across two).
        Object contentsObject = pageObject.dictLookupNF("Contents").copy();
        std::vector<Ref> parts;
        if (contentsObject.isRef()) parts.push_back(contentsObject.getRef());
        if (contentsObject.isArray())
            for (int index = 0; index < contentsObject.arrayGetLength(); index++) {
                const Object &part = contentsObject.arrayGetNF(index);
                if (!part.isRef()) {
                    parts.clear();
                    break;
                }
                parts.push_back(part.getRef());
            }
        if (parts.empty()) continue;
        long long declaredLength = 0;
        std::vector<Object> streams;
        for (const Ref &part : parts) {
            Object stream = xref->fetch(part);
            if (contentUses[part] != 1 || !stream.isStream()) {
                streams.clear();
                break;
            }
            Object declared = stream.streamGetDict()->lookup("Length");
            if (declared.isInt()) declaredLength += declared.getInt();
            streams.push_back(std::move(stream));
        }
        // Only contents big enough to hold many pages' worth of text are worth reading twice (they
        // compress well: 300 KB of a stacked layout's q/Q pairs fit in a few KB).
        if (streams.empty() || declaredLength < 1024) continue;
        std::optional<std::vector<unsigned char>> content = std::vector<unsigned char>();
        for (Object &stream : streams) {
            auto part = decoded(stream, (64 << 20) - content->size());
            if (!part) {
                content.reset();
                break;
            }
            content->insert(content->end(), part->begin(), part->end());
            content->push_back('\n');
        }
        if (!content || content->size() < 16384) continue;
        FontCheck fonts(page->getResourceDict());
        auto cuts = OffPageScanner(*page->getCropBox(), fonts).scan(content->data(), content->size());
        size_t cut = 0;
        for (auto &range : cuts) cut += range.second - range.first;
        // Not worth a rewrite for a little; and the new contents stay within a budget, as this all sits
        // in memory next to Poppler's own copy.
        if (cut < 16384 && cut < content->size() / 4) continue;
        size_t keptLength = content->size() - cut;
        if (keptTotal + keptLength > (size_t(128) << 20)) continue;
        keptTotal += keptLength;
        replacements.push_back(std::make_unique<std::vector<char>>(keptLength + 1));
        char *kept = replacements.back()->data();
        size_t at = 0, from = 0;
        for (auto &range : cuts) {
            std::memcpy(kept + at, content->data() + from, range.first - from);
            at += range.first - from;
            from = range.second;
        }
        std::memcpy(kept + at, content->data() + from, content->size() - from);
        at += content->size() - from;
        Dict *dict = new Dict(xref);
        dict->add("Length", Object((int)at));
        Object replacement(static_cast<Stream *>(new MemStream(kept, 0, at, Object(dict))));
        Ref newRef = xref->addIndirectObject(replacement);
        pageObject.dictSet("Contents", Object(newRef));
        xref->setModifiedObject(&pageObject, pageRef);
        changed++;
    }
    if (changed == 0 || reconstructed) return 0;

    MemoryOutStream output;
    output.bytes.reserve(length + keptTotal + 65536); // the file, the new contents, objects and xref
    if (document.saveAs(&output, writeForceIncremental) != errNone) return 0;
    auto *buffer = static_cast<unsigned char *>(std::malloc(output.bytes.size()));
    if (!buffer) return 0;
    std::memcpy(buffer, output.bytes.data(), output.bytes.size());
    *out = buffer;
    *out_length = output.bytes.size();
    return changed;
}

extern "C" int lector_drop_off_page_text(const char *bytes, size_t length, int first_page, int last_page,
                                         unsigned char **out, size_t *out_length) {
    // Nothing may unwind into Swift: out of memory (the child's address-space limit) means no cut.
    try {
        return dropOffPageText(bytes, length, first_page, last_page, out, out_length);
    } catch (...) {
        if (*out) std::free(*out);
        *out = nullptr;
        *out_length = 0;
        return 0;
    }
}
