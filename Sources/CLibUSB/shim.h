// libusb 1.0, as Debian's libusb-1.0-0-dev installs it.
#include <libusb-1.0/libusb.h>
