#!/usr/bin/env bash
# Checks one workshop exercise (docs/EJERCICIOS.md) against the cluster in the current kubeconfig:
#   bash docs/ejercicios/comprobar.sh <exercise>     (b1 b2 b3 i1 i2 i3 a1 a2 a3)
# Prints what it found and exits 0 when the exercise is done, 1 when it is not.
set -uo pipefail
KUBECTL="${KUBECTL:-kubectl}"
HELM="${HELM:-helm}"
NS=taller
k() { "$KUBECTL" -n "$NS" "$@"; }

ok() { echo "BIEN: $*"; }
fail() {
  echo "TODAVÍA NO: $*"
  exit 1
}
jp() { k get "$1" -o jsonpath="$2" 2>/dev/null; }

case "${1:-}" in
  b1)
    k wait --for=condition=Ready pod/mi-inferencia --timeout=180s >/dev/null 2>&1 ||
      fail "el Pod mi-inferencia no existe o no está Ready (kubectl -n $NS describe pod mi-inferencia)"
    [ -z "$(jp pod/mi-inferencia '{.metadata.ownerReferences}')" ] || fail "mi-inferencia tiene un controlador: debe ser un Pod suelto"
    ok "mi-inferencia está Ready y cumple Pod Security restricted"
    ;;
  b2)
    [ "$(jp configmap/order-worker '{.data.LOG_LEVEL}')" = debug ] || fail "el ConfigMap order-worker no tiene LOG_LEVEL=debug"
    level="$(k exec deploy/order-worker -- printenv LOG_LEVEL 2>/dev/null)"
    [ "$level" = debug ] || fail "los Pods en marcha ven LOG_LEVEL=${level:-?}: falta reiniciarlos"
    ok "order-worker corre con LOG_LEVEL=debug"
    ;;
  b3)
    [ -n "${2:-}" ] || fail "pasa la contraseña que encontraste: bash docs/ejercicios/comprobar.sh b3 <contraseña>"
    [ "$(jp secret/microservices-credentials '{.data.rabbitmq-password}' | base64 -d)" = "$2" ] ||
      fail "esa no es la contraseña de RabbitMQ del Secret microservices-credentials"
    ok "leíste el Secret: base64 no protege nada, RBAC sí"
    ;;
  i1)
    [ "$(jp service/order-service-nodeport '{.spec.type}')" = NodePort ] || fail "no hay un Service order-service-nodeport de tipo NodePort"
    [ "$(jp service/order-service-nodeport '{.spec.ports[0].nodePort}')" = 30081 ] || fail "el nodePort no es 30081"
    [ -n "$("$KUBECTL" -n "$NS" get endpointslices -l kubernetes.io/service-name=order-service-nodeport \
      -o jsonpath='{.items[*].endpoints[?(@.conditions.ready==true)].addresses[0]}' 2>/dev/null)" ] ||
      fail "el Service no tiene endpoints listos: revisa el selector"
    ok "order-service publicado en el puerto 30081 de cada nodo"
    ;;
  i2)
    image="$(jp deployment/fullstack-api '{.spec.template.spec.containers[0].image}')"
    [ "$image" = taller/fullstack-api:0.1.0 ] || [ "$image" = taller/fullstack-api:ci ] ||
      fail "fullstack-api usa la imagen $image: vuelve a la revisión anterior"
    k rollout status deployment/fullstack-api --timeout=120s >/dev/null 2>&1 || fail "el rollout de fullstack-api no ha terminado"
    # set image makes a new revision, and undo makes another one (the old template, renumbered).
    revision="$(jp deployment/fullstack-api '{.metadata.annotations.deployment\.kubernetes\.io/revision}')"
    [ "${revision:-0}" -ge 3 ] || fail "la revisión actual es ${revision:-?}: haz el cambio de imagen y después el rollback"
    ok "fullstack-api de vuelta en $image tras un rollback (revisión $revision)"
    ;;
  i3)
    [ "$(jp job/backup-manual '{.status.succeeded}')" = 1 ] || fail "el Job backup-manual no existe o no terminó bien"
    k logs job/backup-manual 2>/dev/null | grep -q '\.dump' || fail "el log de backup-manual no nombra ningún archivo .dump"
    ok "backup-manual escribió un dump en el PVC de backups"
    ;;
  a1)
    [ "$(jp statefulset/fullstack-postgres '{.status.readyReplicas}')" = 1 ] || fail "fullstack-postgres no está listo: vuelve a escalarlo a 1"
    k rollout status deployment/fullstack-api --timeout=120s >/dev/null 2>&1 || fail "fullstack-api no está listo"
    restarts="$(jp 'pods -l app.kubernetes.io/name=fullstack-api' '{.items[*].status.containerStatuses[*].restartCount}')"
    for r in $restarts; do [ "$r" = 0 ] || fail "un Pod de fullstack-api se reinició ($r veces): ¿liveness depende de la base de datos?"; done
    ok "la API dejó de estar lista sin reiniciarse y volvió sola"
    ;;
  a2)
    k rollout status deployment/order-worker-extra --timeout=180s >/dev/null 2>&1 || fail "el Deployment order-worker-extra no existe o no está listo"
    [ "$(jp hpa/order-worker-extra '{.spec.scaleTargetRef.name}')" = order-worker-extra ] || fail "no hay un HPA order-worker-extra que apunte al Deployment"
    [ "$(jp hpa/order-worker-extra '{.spec.metrics[0].resource.name}')" = cpu ] || fail "el HPA no escala por CPU"
    [ "$(jp hpa/order-worker-extra '{.spec.maxReplicas}')" = 3 ] || fail "maxReplicas no es 3"
    ok "order-worker-extra listo y con su HPA por CPU"
    ;;
  a3)
    values="$("$HELM" -n "$NS" get values taller -o json 2>/dev/null)" || fail "no hay ninguna release taller (¿instalaste con Helm?)"
    [ "$(grep -c '"PREFETCH"' <<<"$values")" = 0 ] ||
      fail "la release taller todavía tiene PREFETCH en sus valores: vuelve a la revisión anterior"
    "$HELM" -n "$NS" history taller 2>/dev/null | grep -q 'Rollback to' || fail "no hay ningún rollback en el historial de la release taller"
    [ "$(jp configmap/order-worker '{.data.PREFETCH}')" = 10 ] || fail "el ConfigMap order-worker no volvió a PREFETCH=10"
    ok "upgrade y rollback con Helm: PREFETCH de vuelta en 10"
    ;;
  *)
    echo "uso: bash docs/ejercicios/comprobar.sh <b1|b2|b3|i1|i2|i3|a1|a2|a3> [respuesta]" >&2
    exit 2
    ;;
esac
