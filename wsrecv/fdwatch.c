/* fdwatch: descriptors of ours in the lws loop (see fdwatch.h). */
#include <string.h>

#include "fdwatch.h"

const char fdwatch_protocol[] = "wsrecv fd";

struct lws *fdwatch_add(struct lws_vhost *vh, int fd)
{
        lws_sock_file_fd_type desc;
        desc.filefd = fd;
        return lws_adopt_descriptor_vhost(vh, LWS_ADOPT_RAW_FILE_DESC, desc, fdwatch_protocol,
                                          NULL);
}

bool fdwatch_is(struct lws *wsi)
{
        const struct lws_protocols *p = lws_get_protocol(wsi);
        return p && p->name && strcmp(p->name, fdwatch_protocol) == 0;
}
