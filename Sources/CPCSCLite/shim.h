// pcsc-lite, as Debian's libpcsclite-dev installs it.
#include <PCSC/winscard.h>
#include <PCSC/wintypes.h>
#include <PCSC/pcsclite.h>

// The status codes and flags are macros with casts, which Swift does not import: they
// come through as constants taken from the header itself, never retyped.
static const LONG ektp_SCARD_S_SUCCESS = SCARD_S_SUCCESS;
static const LONG ektp_SCARD_E_TIMEOUT = SCARD_E_TIMEOUT;
static const LONG ektp_SCARD_E_NO_SMARTCARD = SCARD_E_NO_SMARTCARD;
static const LONG ektp_SCARD_E_UNKNOWN_READER = SCARD_E_UNKNOWN_READER;
static const LONG ektp_SCARD_E_NO_SERVICE = SCARD_E_NO_SERVICE;
static const LONG ektp_SCARD_E_SERVICE_STOPPED = SCARD_E_SERVICE_STOPPED;
static const LONG ektp_SCARD_E_READER_UNAVAILABLE = SCARD_E_READER_UNAVAILABLE;
static const LONG ektp_SCARD_E_NO_READERS_AVAILABLE = SCARD_E_NO_READERS_AVAILABLE;
static const LONG ektp_SCARD_W_REMOVED_CARD = SCARD_W_REMOVED_CARD;
static const LONG ektp_SCARD_W_RESET_CARD = SCARD_W_RESET_CARD;
static const LONG ektp_SCARD_W_UNRESPONSIVE_CARD = SCARD_W_UNRESPONSIVE_CARD;
static const LONG ektp_SCARD_W_UNPOWERED_CARD = SCARD_W_UNPOWERED_CARD;
static const LONG ektp_SCARD_E_NOT_TRANSACTED = SCARD_E_NOT_TRANSACTED;
static const LONG ektp_SCARD_F_COMM_ERROR = SCARD_F_COMM_ERROR;

static const DWORD ektp_SCARD_SCOPE_SYSTEM = SCARD_SCOPE_SYSTEM;
static const DWORD ektp_SCARD_SHARE_EXCLUSIVE = SCARD_SHARE_EXCLUSIVE;
static const DWORD ektp_SCARD_PROTOCOL_T0 = SCARD_PROTOCOL_T0;
static const DWORD ektp_SCARD_PROTOCOL_T1 = SCARD_PROTOCOL_T1;
static const DWORD ektp_SCARD_LEAVE_CARD = SCARD_LEAVE_CARD;
static const DWORD ektp_SCARD_UNPOWER_CARD = SCARD_UNPOWER_CARD;
static const DWORD ektp_SCARD_STATE_UNAWARE = SCARD_STATE_UNAWARE;
static const DWORD ektp_SCARD_STATE_PRESENT = SCARD_STATE_PRESENT;
static const DWORD ektp_SCARD_STATE_MUTE = SCARD_STATE_MUTE;
static const DWORD ektp_SCARD_STATE_UNAVAILABLE = SCARD_STATE_UNAVAILABLE;
static const DWORD ektp_SCARD_STATE_EMPTY = SCARD_STATE_EMPTY;
static const DWORD ektp_MAX_ATR_SIZE = MAX_ATR_SIZE;
