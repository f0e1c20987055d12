// The start-up text profile behind packaging/station/ektpd.text-order
// (scripts/startup-order.sh).
//
// Preloaded into ektpd (LD_PRELOAD), it replaces the executable's text with an empty
// mapping served through userfaultfd: every text page the program touches faults once,
// is copied in from the file, and the file offset of the exact address touched first
// (UFFD_FEATURE_EXACT_ADDRESS) is written to $EKTP_STARTUP_PROFILE. The kernel's
// fault-around (64 KiB per fault) and the file's read-ahead never see these pages, so
// each line names one piece of code that ran, not the neighbourhood the kernel mapped;
// scripts/text-order.py turns it into the input section holding that address.
//
// With EKTP_STARTUP_PROFILE_REARM_MS set, the text is dropped again (MADV_DONTNEED) every
// that many milliseconds, so each page faults again and names whichever code touches it
// next: a long run under load names many of a page's pieces instead of its first alone
// (the hub: under load it runs far more code than one round of first touches can name).
//
// Development tool only: nothing installed loads it.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

enum { page_size = 4096 };

static int fault_fd, executable_fd;
static unsigned long text_start, text_end, text_offset;
static FILE *profile;

static void fail(const char *what) {
    perror(what);
    _exit(70);
}

// Answers each fault with the page from the file and logs its offset. Runs only code
// from this library and libc: the executable's own text is what it serves.
static void *serve_faults(void *unused) {
    static char page[page_size] __attribute__((aligned(page_size)));
    for (;;) {
        struct pollfd ready = {fault_fd, POLLIN, 0};
        if (poll(&ready, 1, -1) < 0) continue;
        struct uffd_msg message;
        if (read(fault_fd, &message, sizeof message) != sizeof message) continue;
        if (message.event != UFFD_EVENT_PAGEFAULT) continue;
        unsigned long touched = message.arg.pagefault.address;
        unsigned long address = touched & ~(unsigned long)(page_size - 1);
        if (pread(executable_fd, page, page_size, text_offset + (address - text_start)) < 0) fail("pread");
        struct uffdio_copy copy = {.dst = address, .src = (unsigned long)page, .len = page_size};
        if (ioctl(fault_fd, UFFDIO_COPY, &copy) < 0) {
            // Another thread's fault on the same page was served first: wake this one.
            if (errno != EEXIST) fail("UFFDIO_COPY");
            struct uffdio_range page_range = {.start = address, .len = page_size};
            if (ioctl(fault_fd, UFFDIO_WAKE, &page_range) < 0) fail("UFFDIO_WAKE");
            continue;
        }
        fprintf(profile, "%lx\n", text_offset + (touched - text_start));
        fflush(profile);
    }
    return unused;
}

static void *rearm(void *milliseconds) {
    for (;;) {
        usleep((useconds_t)(long)milliseconds * 1000);
        if (madvise((void *)text_start, text_end - text_start, MADV_DONTNEED) < 0) fail("madvise");
    }
    return NULL;
}

__attribute__((constructor)) static void start_profile(void) {
    const char *path = getenv("EKTP_STARTUP_PROFILE");
    if (path == NULL) return;
    char executable[4096];
    ssize_t length = readlink("/proc/self/exe", executable, sizeof executable - 1);
    if (length <= 0) fail("readlink /proc/self/exe");
    executable[length] = 0;

    FILE *maps = fopen("/proc/self/maps", "r");
    if (maps == NULL) fail("/proc/self/maps");
    char line[8192];
    while (fgets(line, sizeof line, maps)) {
        unsigned long start, end, offset;
        char permissions[8], file[4096] = "";
        if (sscanf(line, "%lx-%lx %7s %lx %*s %*s %4095s", &start, &end, permissions, &offset, file) < 4) continue;
        if (strcmp(file, executable) == 0 && strcmp(permissions, "r-xp") == 0) {
            text_start = start;
            text_end = end;
            text_offset = offset;
        }
    }
    fclose(maps);
    if (text_end == 0) fail("no executable text mapping");

    if ((profile = fopen(path, "w")) == NULL) fail(path);
    if ((executable_fd = open(executable, O_RDONLY | O_CLOEXEC)) < 0) fail(executable);
    if ((fault_fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC)) < 0) fail("userfaultfd");
    struct uffdio_api api = {.api = UFFD_API, .features = UFFD_FEATURE_EXACT_ADDRESS};
    if (ioctl(fault_fd, UFFDIO_API, &api) < 0) fail("UFFDIO_API");
    // The loader's touches so far are forgotten with the old mapping; they fault again
    // and are logged first.
    void *text = mmap((void *)text_start, text_end - text_start, PROT_READ | PROT_EXEC,
                      MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (text == MAP_FAILED) fail("mmap");
    struct uffdio_register range = {
        .range = {.start = text_start, .len = text_end - text_start},
        .mode = UFFDIO_REGISTER_MODE_MISSING,
    };
    if (ioctl(fault_fd, UFFDIO_REGISTER, &range) < 0) fail("UFFDIO_REGISTER");
    pthread_t server;
    if (pthread_create(&server, NULL, serve_faults, NULL) != 0) fail("pthread_create");
    const char *every = getenv("EKTP_STARTUP_PROFILE_REARM_MS");
    if (every != NULL && atol(every) > 0) {
        pthread_t rearmer;
        if (pthread_create(&rearmer, NULL, rearm, (void *)atol(every)) != 0) fail("pthread_create");
    }
}
