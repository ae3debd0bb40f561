#include "CLectorPDFShims.h"

#include <PDFDoc.h>
#include <Page.h>
#include <Stream.h>
#include <goo/GooString.h>

#include <optional>

namespace {

// Whether a resource dictionary draws an image XObject, directly or through form XObjects. Bounded in
// depth and in objects visited: hostile files nest forms in cycles.
bool drawsImages(Dict *resources, int depth, int &budget) {
    if (!resources || depth > 8) return false;
    Object xobjects = resources->lookup("XObject");
    if (!xobjects.isDict()) return false;
    Dict *dict = xobjects.getDict();
    for (int index = 0; index < dict->getLength(); index++) {
        if (--budget < 0) return true; // out of budget: assume images rather than miss them
        Object xobject = dict->getVal(index);
        if (!xobject.isStream()) continue;
        Dict *streamDict = xobject.streamGetDict();
        Object subtype = streamDict->lookup("Subtype");
        if (subtype.isName("Image")) return true;
        if (subtype.isName("Form")) {
            Object formResources = streamDict->lookup("Resources");
            if (formResources.isDict() && drawsImages(formResources.getDict(), depth + 1, budget)) return true;
        }
    }
    return false;
}

} // namespace

extern "C" int lector_page_facts(const char *bytes, size_t length, const char *password, int *rotations,
                                 int *may_have_images, int count) {
    std::optional<GooString> secret;
    if (password) secret = GooString(password);
    // MemStream borrows the bytes; PDFDoc owns and deletes the stream.
    auto *stream = new MemStream(bytes, 0, (Goffset)length, Object(objNull));
    PDFDoc document(stream, secret, secret);
    if (!document.isOk() || document.getNumPages() < count) return -1;
    for (int index = 0; index < count; index++) {
        Page *page = document.getPage(index + 1);
        if (!page) {
            rotations[index] = 0;
            may_have_images[index] = 1;
            continue;
        }
        rotations[index] = page->getRotate();
        int budget = 256;
        // Annotations do not count: poppler_page_get_image_mapping interprets the page's contents only
        // (Page::display(Gfx *), no annotation appearance streams), so an annotation's image never shows
        // in the coverage and looking for one cost a whole second pass over every page with links.
        may_have_images[index] = drawsImages(page->getResourceDict(), 0, budget) ? 1 : 0;
    }
    return 0;
}

extern "C" int lector_check_password(const char *bytes, size_t length, const char *password, size_t password_length) {
    std::optional<GooString> secret;
    if (password) secret = GooString(password, password_length);
    auto *stream = new MemStream(bytes, 0, (Goffset)length, Object(objNull));
    PDFDoc document(stream, secret, secret);
    if (document.isOk()) return 0;
    return document.getErrorCode() == errEncrypted ? 1 : 2;
}
