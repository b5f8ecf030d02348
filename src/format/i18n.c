/* i18n.c - message translation through gettext (domain "synfin"); the CLI binds the catalogue. */
#include <libintl.h>

#include "format/format.h"

const char *sf_tr(const char *msgid)
{
    return dgettext("synfin", msgid);
}
