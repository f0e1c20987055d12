// libcups, as Debian's libcups2-dev installs it (no pkg-config file: the module map links `cups`).
#include <cups/cups.h>
#include <cups/ipp.h>
