package main

import (
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestClusterNamesFromConfigShapes(t *testing.T) {
	cases := map[string][]string{
		"clusters: [a, b]\n":                      {"a", "b"},
		"clusters:\n  - name: a\n  - name: b\n":   {"a", "b"},
		"clusters:\n  b: {context: x}\n  a: {}\n": {"a", "b"},
		"repo: x\n": nil,
		"clusters:\n  - name: a\n    context: c1\n": {"a"},
	}
	dir := t.TempDir()
	for text, want := range cases {
		path := filepath.Join(dir, "mcs-gitops.yaml")
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := clusterNamesFromConfig(path)
		if err != nil {
			t.Fatalf("%q: %v", text, err)
		}
		sort.Strings(got)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%q: got %v, want %v", text, got, want)
		}
	}
	if got, err := clusterNamesFromConfig(filepath.Join(dir, "missing.yaml")); err != nil || got != nil {
		t.Errorf("missing file: got %v, %v", got, err)
	}
}

func TestValidateClusterNamesHintsLowercase(t *testing.T) {
	if err := validateClusterNames([]string{"clustera", "b-2"}); err != nil {
		t.Fatal(err)
	}
	err := validateClusterNames([]string{"clusterA"})
	if err == nil || !strings.Contains(err.Error(), `"clustera"`) {
		t.Fatalf("want a hint towards clustera, got %v", err)
	}
}

func TestParseMCSDefaultsNamespaceAndPorts(t *testing.T) {
	ref, ok := parseMCS([]byte("kind: MultiClusterService\nmetadata: {name: foo}\nspec:\n  types: [CrossCluster]\n"))
	if !ok || ref.Namespace != "default" || ref.Name != "foo" || len(ref.Ports) != 0 {
		t.Fatalf("got %+v, %v", ref, ok)
	}
	ports := servicePorts(ref.Ports)
	if len(ports) != 1 || ports[0].Port != 80 || ports[0].Name != "http" {
		t.Fatalf("default port: %+v", ports)
	}
	if _, ok := parseMCS([]byte("kind: Service\nmetadata: {name: foo}\n")); ok {
		t.Fatal("a Service is not a MultiClusterService")
	}
}

func TestServicePortsNamesUnnamedWhenSeveral(t *testing.T) {
	ref, _ := parseMCS([]byte("kind: MultiClusterService\nmetadata: {name: foo, namespace: shop}\nspec:\n  ports:\n  - {name: web, port: 8080}\n  - {port: 9090}\n"))
	ports := servicePorts(ref.Ports)
	if len(ports) != 2 || ports[0].Name != "web" || ports[1].Name != "port-9090" || ports[1].TargetPort.IntVal != 9090 {
		t.Fatalf("got %+v", ports)
	}
}

func TestMinorVersionAndEndpointSliceAPI(t *testing.T) {
	for v, want := range map[string]int{"v1.20.0": 20, "v1.36.3": 36, "1.21": 21, "v1.22.0-eks": 22} {
		if got := minorVersion(v); got != want {
			t.Errorf("%s: got %d want %d", v, got, want)
		}
	}
	last := func(v string) string {
		list := apiEnablements(v)
		return list[len(list)-1].(map[string]any)["groupVersion"].(string)
	}
	if last("v1.20.0") != "discovery.k8s.io/v1beta1" || last("v1.21.0") != "discovery.k8s.io/v1" {
		t.Fatal("EndpointSlice v1 must start at 1.21")
	}
}

func TestParseInterleaved(t *testing.T) {
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	dir := fs.String("dir", "", "")
	kill := fs.Bool("kill", false, "")
	rest, err := parseInterleaved(fs, []string{"apiserver", "--dir", "/x", "--kill"})
	if err != nil || *dir != "/x" || !*kill || !reflect.DeepEqual(rest, []string{"apiserver"}) {
		t.Fatalf("got %v %q %v %v", rest, *dir, *kill, err)
	}
}

func TestShellQuote(t *testing.T) {
	if got := shellQuote("/tmp/a-b_c"); got != "/tmp/a-b_c" {
		t.Errorf("plain path quoted: %s", got)
	}
	if got := shellQuote("/tmp/it's here"); got != `'/tmp/it'\''s here'` {
		t.Errorf("got %s", got)
	}
}

func TestAggregatedRulesCollectsMatchingRoles(t *testing.T) {
	rule := func(res string) rbacv1.PolicyRule {
		return rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{res}, Verbs: []string{"get"}}
	}
	view := rbacv1.ClusterRole{
		ObjectMeta: metav1.ObjectMeta{Name: "view"},
		AggregationRule: &rbacv1.AggregationRule{ClusterRoleSelectors: []metav1.LabelSelector{
			{MatchLabels: map[string]string{"to-view": "true"}},
		}},
	}
	all := []rbacv1.ClusterRole{
		view,
		{ObjectMeta: metav1.ObjectMeta{Name: "a", Labels: map[string]string{"to-view": "true"}}, Rules: []rbacv1.PolicyRule{rule("pods")}},
		{ObjectMeta: metav1.ObjectMeta{Name: "b", Labels: map[string]string{"to-view": "true"}}, Rules: []rbacv1.PolicyRule{rule("pods"), rule("services")}},
		{ObjectMeta: metav1.ObjectMeta{Name: "c"}, Rules: []rbacv1.PolicyRule{rule("secrets")}},
	}
	got, err := aggregatedRules(&view, all)
	if err != nil {
		t.Fatal(err)
	}
	if want := []rbacv1.PolicyRule{rule("pods"), rule("services")}; !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v", got)
	}
}

func TestParseMCSProviders(t *testing.T) {
	ref, ok := parseMCS([]byte("kind: MultiClusterService\nmetadata: {name: foo}\nspec:\n  providerClusters: [{name: clusterb}]\n  consumerClusters: [{name: clustera}]\n"))
	if !ok || !reflect.DeepEqual(ref.Providers, []string{"clusterb"}) {
		t.Fatalf("got %+v", ref)
	}
	all := []string{"a", "b"}
	if got := providersOf(mcsRef{}, all); !reflect.DeepEqual(got, all) {
		t.Fatalf("empty providerClusters means every cluster, got %v", got)
	}
}

func TestFederationOrderAndAliases(t *testing.T) {
	st := &State{Karmada: true, Clusters: []string{"clustera", "clusterb"}}
	want := []string{"etcd", "apiserver", "aggregated-apiserver", "member-clustera", "member-clusterb",
		"kube-controller-manager", "webhook", "scheduler", "controller-manager"}
	if got := st.order(); !reflect.DeepEqual(got, want) {
		t.Fatalf("order: %v", got)
	}
	for alias, canonical := range map[string]string{"clusterb": "member-clusterb", "member-clustera": "member-clustera", "karmada-webhook": "webhook"} {
		if got, err := resolveComponent(st, alias); err != nil || got != canonical {
			t.Errorf("%s: got %q, %v", alias, got, err)
		}
	}
	if _, err := resolveComponent(&State{Clusters: []string{"clustera"}}, "clustera"); err == nil {
		t.Error("a plain sandbox has no member components")
	}
	if got := (&State{}).order(); !reflect.DeepEqual(got, componentOrder) {
		t.Errorf("plain order: %v", got)
	}
}

func TestPortListFollowsBuilderOrder(t *testing.T) {
	c := &Component{Name: compWebhook, Port: 1, Ports: map[string]int{"secure": 1, "health": 2, "metrics": 3}}
	if got := c.portList(); !reflect.DeepEqual(got, []int{1, 2, 3}) {
		t.Fatalf("got %v", got)
	}
	if got := (&Component{Name: "member-a", Port: 7}).portList(); !reflect.DeepEqual(got, []int{7}) {
		t.Fatalf("got %v", got)
	}
}

func TestCheckModeKeepsFederation(t *testing.T) {
	opts := upOptions{}
	if err := checkMode(&State{Karmada: true}, &opts); err != nil || !opts.karmada {
		t.Fatalf("a federation stays one: %v %v", err, opts.karmada)
	}
	opts = upOptions{karmada: true}
	if err := checkMode(&State{Dir: "/x", Components: []*Component{{Name: compEtcd}}}, &opts); err == nil {
		t.Fatal("a plain sandbox cannot become a federation")
	}
}

func TestEndpointSliceShape(t *testing.T) {
	ports := servicePorts(nil)
	slice := endpointSlice("default", "foo", "clusterb", 1, 3, ports)
	if slice.Name != "foo-clusterb" || slice.Labels["kubernetes.io/service-name"] != "foo" || len(slice.Endpoints) != 3 {
		t.Fatalf("got %+v", slice)
	}
	if *slice.Ports[0].Name != "http" || *slice.Ports[0].Port != 80 || !*slice.Endpoints[0].Conditions.Ready {
		t.Fatalf("ports/conditions: %+v", slice)
	}
	seen := map[string]bool{}
	for cluster := 0; cluster < 4; cluster++ {
		for i := 0; i < 600; i++ {
			a := endpointAddress(cluster, "default", "foo", i)
			if seen[a] {
				t.Fatalf("duplicate address %s", a)
			}
			seen[a] = true
		}
	}
}

func TestForgeOrderAliasesAndEnv(t *testing.T) {
	st := &State{Dir: "/tmp/it's", Forge: true, ForgeUser: forgeUser}
	if got := st.order(); got[len(got)-1] != compForge || !reflect.DeepEqual(st.kubeOrder(), componentOrder) {
		t.Fatalf("the forge starts last (and stops first): %v", got)
	}
	for _, alias := range []string{"forge", "gitea"} {
		if got, err := resolveComponent(st, alias); err != nil || got != compForge {
			t.Errorf("%s: got %q, %v", alias, got, err)
		}
	}
	if got := envLines("/d", "/bin", st); len(got) != 2 {
		t.Fatalf("no forge component recorded yet, no FORGE_ lines: %v", got)
	}
	st.Components = []*Component{{Name: compForge, URL: "http://127.0.0.1:3000"}}
	want := []string{
		"export KUBECONFIG=/d/kubeconfig",
		`export PATH=/bin:"$PATH"`,
		"export FORGE_URL=http://127.0.0.1:3000",
		`export FORGE_TOKEN_FILE='/tmp/it'\''s/forge/token'`,
		"export FORGE_USER=sandbox-admin",
	}
	if got := envLines("/d", "/bin", st); !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q", got)
	}
	if got := envLines("/d", "/bin", nil); len(got) != 2 {
		t.Fatalf("before the first up: %v", got)
	}
}

func TestRenderForgeINI(t *testing.T) {
	ini := renderForgeINI(forgeConfig{Dir: "/s", Port: 3456, StaticRoot: "/mod/gitea@v1",
		Secrets: forgeSecrets{SecretKey: "k", InternalToken: "i", JWTSecret: "j"}})
	for _, want := range []string{
		"WORK_PATH = /s/forge\n",
		"[server]\nPROTOCOL = http\nHTTP_ADDR = 127.0.0.1\nHTTP_PORT = 3456\n",
		"ROOT_URL = http://127.0.0.1:3456/\n",
		"LOCAL_ROOT_URL = http://127.0.0.1:3456/\n",
		"STATIC_ROOT_PATH = /mod/gitea@v1\n",
		"PATH = /s/data/forge/gitea.db\n",
		"ROOT = /s/data/forge/repos\n",
		"[security]\nINSTALL_LOCK = true\nSECRET_KEY = k\nINTERNAL_TOKEN = i\n",
		"JWT_SECRET = j\n",
		"DISABLE_REGISTRATION = true\n",
		"DISABLE_SSH = true\n",
		"OFFLINE_MODE = true\n",
		"[mailer]\nENABLED = false\n",
		"[actions]\nENABLED = false\n",
		"[webhook]\nALLOWED_HOST_LIST = loopback,private\n",
		"[queue]\nTYPE = channel\n",
	} {
		if !strings.Contains(ini, want) {
			t.Errorf("missing %q in\n%s", want, ini)
		}
	}
	if strings.Contains(ini, "RUNNING_AS_ROOT") {
		t.Error("the root override is only for root")
	}
	if !strings.Contains(renderForgeINI(forgeConfig{AsRoot: true}), "\nI_AM_BEING_UNSAFE_RUNNING_AS_ROOT = true\n\n[server]") {
		t.Error("root: the override belongs in the default section")
	}
}
