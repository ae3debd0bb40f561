#include "CLectorPDFShims.h"

#include <PDFDoc.h>
#include <Page.h>
#include <Stream.h>
#include <goo/GooString.h>

#include <optional>

extern "C" int lector_page_rotations(const char *bytes, size_t length, const char *password, int *rotations,
                                     int count) {
    std::optional<GooString> secret;
    if (password) secret = GooString(password);
    // MemStream borrows the bytes; PDFDoc owns and deletes the stream.
    auto *stream = new MemStream(bytes, 0, (Goffset)length, Object(objNull));
    PDFDoc document(stream, secret, secret);
    if (!document.isOk() || document.getNumPages() < count) return -1;
    for (int index = 0; index < count; index++) {
        Page *page = document.getPage(index + 1);
        rotations[index] = page ? page->getRotate() : 0;
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
