#ifndef EKTP_CCAIRO_SHIM_H
#define EKTP_CCAIRO_SHIM_H

// cairo for drawing (image, PDF and PNG output), cairo-ft with fontconfig to load
// Liberation Sans by name and check that it is really that font.
#include <cairo.h>
#include <cairo-pdf.h>
#include <cairo-ft.h>
#include <fontconfig/fontconfig.h>

#endif
