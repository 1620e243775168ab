# Sourced by the demo scripts: which node hosts which municipalities.
#   REGFED_DEMO_NODES=3 (default): merseburg, leuna, and ikz-sued hosting the other six (a host may keep its
#                                  neighbours' hardware) — the demo.
#   REGFED_DEMO_NODES=8:           one node per municipality — the fan-out benchmark.
# Sets `nodes` (ids, in order) and `hosts` (node -> space-separated AGS).
declare -a nodes
declare -A hosts
case "${REGFED_DEMO_NODES:-3}" in
  3)
    nodes=(merseburg leuna ikz-sued)
    hosts=([merseburg]="15088220" [leuna]="15088205"
           [ikz-sued]="15084130 15088150 15084355 15088330 15084550 15084590")
    ;;
  8)
    nodes=(merseburg leuna elsteraue kabelsketal naumburg schkopau weissenfels zeitz)
    hosts=([merseburg]="15088220" [leuna]="15088205" [elsteraue]="15084130" [kabelsketal]="15088150"
           [naumburg]="15084355" [schkopau]="15088330" [weissenfels]="15084550" [zeitz]="15084590")
    ;;
  *)
    echo "REGFED_DEMO_NODES must be 3 or 8" >&2
    exit 2
    ;;
esac
