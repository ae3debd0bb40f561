#pragma once
// Image encoders for LectorPDF. libjpeg and libpng report errors by longjmp, which Swift cannot
// catch, so the encoders live here in C behind a plain status-code interface.
#include <stddef.h>

/// Encodes a cairo CAIRO_FORMAT_RGB24 image (32-bit native-endian xRGB, `stride` bytes per row) as
/// baseline JPEG. On success returns 0 and sets `*out`/`*out_length` to a malloc'ed buffer the caller
/// frees with free(). On failure returns -1 and writes a message into `error` (always terminated).
int lector_encode_jpeg_rgb24(const unsigned char *pixels, int width, int height, int stride, int quality,
                             unsigned char **out, size_t *out_length, char *error, size_t error_size);

/// Encodes the same pixel layout as 8-bit RGB PNG; same contract as lector_encode_jpeg_rgb24.
int lector_encode_png_rgb24(const unsigned char *pixels, int width, int height, int stride,
                            unsigned char **out, size_t *out_length, char *error, size_t error_size);

#ifdef __cplusplus
extern "C" {
#endif
/// Reads facts poppler-glib 22.12 has no accessor for, with Poppler's C++ API on a second, lazily parsed
/// view of the same bytes: each page's `/Rotate` (0, 90, 180 or 270) into `rotations[0 ..< count]`, and
/// into `may_have_images` 1 when the page's resources draw an image XObject (directly or through forms),
/// else 0 (inline images in content streams are not seen; annotations are not looked at, as
/// poppler_page_get_image_mapping does not draw them either). `password` may be
/// NULL. Returns 0 on success, -1 when the document cannot be opened that way.
int lector_page_facts(const char *bytes, size_t length, const char *password, int *rotations,
                      int *may_have_images, int count);
#ifdef __cplusplus
}
#endif

#include <spawn.h>
#include <sys/types.h>

/// Isolation layers of lector_spawn_isolated.
enum {
    /// A network namespace of its own (no interface but a loopback that is down).
    LECTOR_ISOLATE_NETWORK = 1,
    /// Landlock: no file system reads or execution outside the readable paths, no writes outside the
    /// scratch directory; with Landlock ABI 4 or later no TCP, abstract Unix sockets or signals outside
    /// the sandbox either.
    LECTOR_ISOLATE_FILES = 2,
    /// seccomp: no new sockets of any family, no io_uring, no ptrace or process_vm_readv/writev.
    LECTOR_ISOLATE_SYSCALLS = 4,
};

/// Starts `path` with `argv` and the environment `envp` (both NULL-terminated) as a child whose standard
/// input, output and error are `stdin_fd`, `stdout_fd` and `stderr_fd`, with default signal handlers, an
/// empty signal mask, every other descriptor closed, and the `isolation` layers (LECTOR_ISOLATE_*) in
/// place before it execs; `scratch` (or NULL) is the one directory it may write beneath, `readable` (a
/// NULL-terminated list, or NULL) the files and directories it may read and execute (the executable, its
/// libraries and the loader's cache among them: the loader runs inside the sandbox).
///
/// Returns 0 and sets `*pid` and `*missing` (the layers the kernel refused: the child runs without
/// them), or an errno value when the child could not be started.
int lector_spawn_isolated(const char *path, char *const argv[], char *const envp[], int stdin_fd, int stdout_fd,
                          int stderr_fd, int isolation, const char *scratch, const char *const readable[], pid_t *pid,
                          int *missing);

/// The RUNPATH (or RPATH) of the 64-bit ELF executable at `path`, `$ORIGIN` unexpanded, into `buffer`
/// (empty when it has none): where its loader looks for the Swift runtime. Returns 0, or -1 when the file
/// is no 64-bit ELF or the path does not fit.
int lector_elf_runpath(const char *path, char *buffer, size_t capacity);

/// pipe2(fds, O_CLOEXEC), which Swift's Glibc module hides behind _GNU_SOURCE. Returns 0 or -1 (errno).
int lector_pipe_cloexec(int fds[2]);

/// posix_spawn_file_actions_addclosefrom_np (glibc 2.34), which Swift's Glibc module hides behind
/// _GNU_SOURCE: the child closes every descriptor from `from` up, whatever the parent left open without
/// O_CLOEXEC (SwiftNIO's sockets, for one). Returns 0 or an error number.
int lector_spawn_close_from(posix_spawn_file_actions_t *actions, int from);

#ifdef __cplusplus
extern "C" {
#endif
/// Whether `password` (raw bytes, as the security handler compares them) opens the document: 0 yes (or
/// not encrypted), 1 encrypted and it does not, 2 the document cannot be opened for another reason.
/// poppler-glib 22.12 crashes (use after free in its retry with a second password encoding) when given a
/// wrong or UTF-8-only password, so LectorPDF checks passwords here and hands glib only one that works.
int lector_check_password(const char *bytes, size_t length, const char *password, size_t password_length);
#ifdef __cplusplus
}
#endif

#ifdef __cplusplus
extern "C" {
#endif
/// Cuts text that lies far above or below the crop box out of the content streams of pages
/// `first_page ... last_page` (1-based, inclusive) of an unencrypted document, as `q ... Q` groups that
/// provably only show such text (see OffPageText.cpp). Poppler drops those characters anyway; cutting
/// them first spares it interpreting them. Returns the number of pages changed and, when that is more
/// than 0, sets `*out`/`*out_length` to the whole file with an incremental update that replaces their
/// contents (a malloc'ed buffer the caller frees with free()). Returns 0 and leaves `*out` NULL when
/// nothing is worth cutting or anything is in doubt.
int lector_drop_off_page_text(const char *bytes, size_t length, int first_page, int last_page,
                              unsigned char **out, size_t *out_length);
#ifdef __cplusplus
}
#endif
