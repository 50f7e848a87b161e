/* version: the release of the three tools, printed by -V. */
#ifndef LIB_VERSION_H
#define LIB_VERSION_H

#define TOOLS_VERSION "0.2.0"

#endif
