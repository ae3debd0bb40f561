#define _GNU_SOURCE
#include "CLectorPDFShims.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/landlock.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

// Landlock rights newer than the kernel headers of Debian 12 (Linux 6.1); the kernel reports which
// ABI it speaks, and only rights of that ABI are asked for.
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
#define LECTOR_LANDLOCK_NET_BIND_TCP (1ULL << 0)
#define LECTOR_LANDLOCK_NET_CONNECT_TCP (1ULL << 1)
#define LECTOR_LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)
#define LECTOR_LANDLOCK_SCOPE_SIGNAL (1ULL << 1)

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#define SYS_landlock_add_rule 445
#define SYS_landlock_restrict_self 446
#endif
#ifndef SYS_io_uring_setup
#define SYS_io_uring_setup 425
#endif

// The ruleset attribute of Landlock ABI 6; older kernels are given the prefix they know.
struct lector_landlock_ruleset_attr {
    uint64_t handled_access_fs;
    uint64_t handled_access_net;
    uint64_t scoped;
};

// What the child needs, prepared by the parent: between clone and execve the child shares the
// parent's memory and may only make system calls (no allocation, no locks).
struct spawn_request {
    const char *path;
    char *const *argv;
    char *const *envp;
    int fds[3];
    int isolation;
    const char *scratch;
    const char *const *readable;
    const struct sock_fprog *filter;
    int max_fd;
    // Written by the child before it execs or exits; read by the parent after clone returns
    // (CLONE_VFORK: the parent sleeps until then).
    volatile int missing;
    volatile int error;
};

#if defined(__x86_64__)
#define LECTOR_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define LECTOR_AUDIT_ARCH AUDIT_ARCH_AARCH64
#endif

#ifdef LECTOR_AUDIT_ARCH
#define DENY_CALL(nr) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1), BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM)
// No new sockets of any family (the child's only socket, its standard input, exists already; this is
// what keeps it from the database's Unix socket, which a network namespace does not hide), no io_uring
// (which can make sockets too), no ptrace or reading another process's memory.
static struct sock_filter child_filter[] = {
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, LECTOR_AUDIT_ARCH, 1, 0),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
#if defined(__x86_64__)
    // The x32 ABI's numbers: nothing the child uses.
    BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 0, 1),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
#endif
    DENY_CALL(SYS_socket),
    DENY_CALL(SYS_io_uring_setup),
    DENY_CALL(SYS_ptrace),
    DENY_CALL(SYS_process_vm_readv),
    DENY_CALL(SYS_process_vm_writev),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
};
static const struct sock_fprog child_program = {
    .len = (unsigned short)(sizeof(child_filter) / sizeof(child_filter[0])),
    .filter = child_filter,
};
#endif

// Reading and executing only beneath `readable` (the loader's and Poppler's files), no writes anywhere
// but beneath `scratch` (when given), and, where the kernel speaks Landlock ABI 4 or later, no TCP at
// all, no abstract Unix sockets and no signals outside the sandbox. A Landlock domain also keeps the
// child from ptrace and /proc/PID/mem, environ and the like of processes outside it (its parent).
static int restrict_files(const char *scratch, const char *const *readable) {
    long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
    if (abi < 1) return -1;
    struct lector_landlock_ruleset_attr attr;
    memset(&attr, 0, sizeof attr);
    const uint64_t read_rights = LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR;
    attr.handled_access_fs = read_rights | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR
        | LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_DIR
        | LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO
        | LANDLOCK_ACCESS_FS_MAKE_BLOCK | LANDLOCK_ACCESS_FS_MAKE_SYM;
    if (abi >= 2) attr.handled_access_fs |= LANDLOCK_ACCESS_FS_REFER;
    if (abi >= 3) attr.handled_access_fs |= LANDLOCK_ACCESS_FS_TRUNCATE;
    size_t size = offsetof(struct lector_landlock_ruleset_attr, handled_access_net);
    if (abi >= 4) {
        attr.handled_access_net = LECTOR_LANDLOCK_NET_BIND_TCP | LECTOR_LANDLOCK_NET_CONNECT_TCP;
        size = offsetof(struct lector_landlock_ruleset_attr, scoped);
    }
    if (abi >= 6) {
        attr.scoped = LECTOR_LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET | LECTOR_LANDLOCK_SCOPE_SIGNAL;
        size = sizeof attr;
    }
    int ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, size, 0);
    if (ruleset < 0) return -1;
    if (scratch != NULL && scratch[0] != '\0') {
        struct landlock_path_beneath_attr beneath;
        beneath.allowed_access = attr.handled_access_fs;
        beneath.parent_fd = open(scratch, O_PATH | O_CLOEXEC | O_DIRECTORY);
        if (beneath.parent_fd < 0
            || syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &beneath, 0) != 0) {
            if (beneath.parent_fd >= 0) close(beneath.parent_fd);
            close(ruleset);
            return -1;
        }
        close(beneath.parent_fd);
    }
    for (const char *const *path = readable; path != NULL && *path != NULL; path++) {
        struct landlock_path_beneath_attr beneath;
        struct stat facts;
        beneath.parent_fd = open(*path, O_PATH | O_CLOEXEC);
        if (beneath.parent_fd < 0) continue;  // not on this machine: nothing to allow
        // A rule on a file may only name rights that apply to files.
        beneath.allowed_access = fstat(beneath.parent_fd, &facts) == 0 && S_ISDIR(facts.st_mode)
            ? read_rights : (LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE);
        (void)syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &beneath, 0);
        close(beneath.parent_fd);
    }
    int status = (int)syscall(SYS_landlock_restrict_self, ruleset, 0);
    close(ruleset);
    return status == 0 ? 0 : -1;
}

static int start_child(void *argument) {
    struct spawn_request *request = argument;
    struct sigaction standard;
    memset(&standard, 0, sizeof standard);
    standard.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; sig++) (void)sigaction(sig, &standard, NULL);

    for (int target = 0; target < 3; target++) {
        int fd = request->fds[target];
        if (fd == target) {
            // dup2 onto itself would keep close-on-exec.
            if (fcntl(fd, F_SETFD, 0) != 0) goto failed;
        } else if (dup2(fd, target) < 0) {
            goto failed;
        }
    }
    // The worker holds database sockets, the engine's connections and other children's pipes: the child
    // holds none of them (and a sibling's end of file comes when it should).
    if (syscall(SYS_close_range, 3U, ~0U, 0U) != 0) {
        for (int fd = 3; fd < request->max_fd; fd++) (void)close(fd);
    }

    int missing = 0;
    if (request->isolation & LECTOR_ISOLATE_NETWORK) {
        // A network namespace of its own holds only a loopback interface that is down. Without
        // CAP_SYS_ADMIN, a user namespace of its own grants the right to make one.
        if (unshare(CLONE_NEWNET) != 0 && unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0) {
            missing |= LECTOR_ISOLATE_NETWORK;
        }
    }
    if ((request->isolation & (LECTOR_ISOLATE_FILES | LECTOR_ISOLATE_SYSCALLS))
        && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        missing |= request->isolation & (LECTOR_ISOLATE_FILES | LECTOR_ISOLATE_SYSCALLS);
    } else {
        if ((request->isolation & LECTOR_ISOLATE_FILES) && restrict_files(request->scratch, request->readable) != 0) {
            missing |= LECTOR_ISOLATE_FILES;
        }
        if (request->isolation & LECTOR_ISOLATE_SYSCALLS) {
            if (request->filter == NULL || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, request->filter, 0, 0) != 0) {
                missing |= LECTOR_ISOLATE_SYSCALLS;
            }
        }
    }
    // A worker that runs as root would hand the child every capability (to mount, to enter the host's
    // network namespace again, to read other processes' memory): an empty bounding set leaves it none
    // after execve. Without CAP_SETPCAP this fails, and there is nothing to drop.
    for (int capability = 0; capability < 64; capability++) (void)prctl(PR_CAPBSET_DROP, capability, 0, 0, 0);
    request->missing = missing;

    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    execve(request->path, request->argv, request->envp);
failed:
    request->error = errno != 0 ? errno : EINVAL;
    _exit(127);
}

int lector_spawn_isolated(const char *path, char *const argv[], char *const envp[], int stdin_fd, int stdout_fd,
                          int stderr_fd, int isolation, const char *scratch, const char *const readable[], pid_t *pid,
                          int *missing) {
    struct spawn_request request;
    memset(&request, 0, sizeof request);
    request.path = path;
    request.argv = argv;
    request.envp = envp;
    request.fds[0] = stdin_fd;
    request.fds[1] = stdout_fd;
    request.fds[2] = stderr_fd;
    request.isolation = isolation;
    request.scratch = scratch;
    request.readable = readable;
#ifdef LECTOR_AUDIT_ARCH
    request.filter = &child_program;
#else
    request.filter = NULL;
#endif
    struct rlimit files;
    request.max_fd = getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < 65536 ? (int)files.rlim_cur : 65536;

    // The child runs on a stack of its own in the parent's memory until it execs, as glibc's
    // posix_spawn does: no copy of the worker's address space.
    size_t stack_size = 256 << 10;
    void *stack = mmap(NULL, stack_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (stack == MAP_FAILED) return errno;

    // No handler of the parent may run on the child's side before the child has reset them.
    sigset_t all, previous;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &previous);
    pid_t child = clone(start_child, (char *)stack + stack_size, CLONE_VM | CLONE_VFORK | SIGCHLD, &request);
    int clone_error = errno;
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
    munmap(stack, stack_size);

    if (child < 0) return clone_error;
    if (request.error != 0) {
        int status;
        while (waitpid(child, &status, 0) < 0 && errno == EINTR) {}
        return request.error;
    }
    *pid = child;
    *missing = request.missing;
    return 0;
}

int lector_elf_runpath(const char *path, char *buffer, size_t capacity) {
    int result = -1;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    struct stat facts;
    if (fstat(fd, &facts) != 0 || facts.st_size < (off_t)sizeof(Elf64_Ehdr)) {
        close(fd);
        return -1;
    }
    size_t size = (size_t)facts.st_size;
    const unsigned char *file = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (file == MAP_FAILED) return -1;
    const Elf64_Ehdr *header = (const Elf64_Ehdr *)file;
    if (memcmp(header->e_ident, ELFMAG, SELFMAG) != 0 || header->e_ident[EI_CLASS] != ELFCLASS64
        || header->e_phoff + (uint64_t)header->e_phnum * sizeof(Elf64_Phdr) > size) {
        goto done;
    }
    const Elf64_Phdr *segments = (const Elf64_Phdr *)(file + header->e_phoff);
    const Elf64_Phdr *dynamic = NULL;
    for (int i = 0; i < header->e_phnum; i++) {
        if (segments[i].p_type == PT_DYNAMIC) dynamic = &segments[i];
    }
    if (dynamic == NULL || dynamic->p_offset + dynamic->p_filesz > size) goto done;
    uint64_t strtab = 0, entry = UINT64_MAX;
    for (const Elf64_Dyn *d = (const Elf64_Dyn *)(file + dynamic->p_offset);
         (const unsigned char *)(d + 1) <= file + dynamic->p_offset + dynamic->p_filesz && d->d_tag != DT_NULL; d++) {
        if (d->d_tag == DT_STRTAB) strtab = d->d_un.d_ptr;
        if (d->d_tag == DT_RUNPATH || (d->d_tag == DT_RPATH && entry == UINT64_MAX)) entry = d->d_un.d_val;
    }
    if (entry == UINT64_MAX) {
        if (capacity > 0) buffer[0] = '\0';
        result = 0;
        goto done;
    }
    // The string table's address is a virtual one: its file offset comes from the segment holding it.
    for (int i = 0; i < header->e_phnum; i++) {
        const Elf64_Phdr *load = &segments[i];
        if (load->p_type != PT_LOAD || strtab < load->p_vaddr || strtab >= load->p_vaddr + load->p_filesz) continue;
        uint64_t offset = strtab - load->p_vaddr + load->p_offset + entry;
        if (offset >= size) break;
        size_t length = strnlen((const char *)file + offset, size - offset);
        if (length + 1 > capacity) break;
        memcpy(buffer, file + offset, length);
        buffer[length] = '\0';
        result = 0;
        break;
    }
done:
    munmap((void *)file, size);
    return result;
}

int lector_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

int lector_spawn_close_from(posix_spawn_file_actions_t *actions, int from) {
    return posix_spawn_file_actions_addclosefrom_np(actions, from);
}
