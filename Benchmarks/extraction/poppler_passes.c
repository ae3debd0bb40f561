/* Per-pass CPU cost of poppler-glib on a set of PDFs, without Lector around it: document open, the text
 * pass (poppler_page_get_text, which builds a TextPage by interpreting the page) and the image-mapping
 * pass (poppler_page_get_image_mapping, a second interpretation of the page) on every page.
 * No /OutputIntents workaround here: files that declare /OutputIntents pay Poppler 22.12's per-page ICC
 * cost in both passes (compare with `grep -L OutputIntents` to pick files without them).
 *
 *   cc -O2 Benchmarks/extraction/poppler_passes.c -o /tmp/poppler_passes $(pkg-config --cflags --libs poppler-glib)
 *   /tmp/poppler_passes DIR/file.pdf ...
 */
#include <poppler.h>
#include <stdio.h>
#include <time.h>

static double cpu(void) {
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    double open = 0, text = 0, images = 0;
    int pages = 0;
    for (int a = 1; a < argc; a++) {
        gchar *contents;
        gsize length;
        if (!g_file_get_contents(argv[a], &contents, &length, NULL)) continue;
        double t0 = cpu();
        GBytes *bytes = g_bytes_new_take(contents, length);
        PopplerDocument *document = poppler_document_new_from_bytes(bytes, NULL, NULL);
        open += cpu() - t0;
        if (document) {
            int count = poppler_document_get_n_pages(document);
            pages += count;
            for (int i = 0; i < count; i++) {
                PopplerPage *page = poppler_document_get_page(document, i);
                double s = cpu();
                g_free(poppler_page_get_text(page));
                double m = cpu();
                text += m - s;
                poppler_page_free_image_mapping(poppler_page_get_image_mapping(page));
                images += cpu() - m;
                g_object_unref(page);
            }
            g_object_unref(document);
        }
        g_bytes_unref(bytes);
    }
    printf("%d pages: open %.3f s, text pass %.3f s (%.2f ms/page), image-mapping pass %.3f s (%.2f ms/page)\n",
           pages, open, text, pages ? text * 1000 / pages : 0, images, pages ? images * 1000 / pages : 0);
    return 0;
}
