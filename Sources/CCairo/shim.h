#ifndef EKTP_CCAIRO_SHIM_H
#define EKTP_CCAIRO_SHIM_H

// cairo for drawing (image and PDF output, PNG input), cairo-ft with fontconfig to load
// Liberation Sans by name and check that it is really that font, and zlib (already under
// cairo and libpng) to write previews: cairo's own PNG writer spends 90 % of a preview in
// libpng's filter search and zlib level 6, about 45 ms a card.
#include <cairo.h>
#include <cairo-pdf.h>
#include <cairo-ft.h>
#include <fontconfig/fontconfig.h>
#include <zlib.h>

#endif
