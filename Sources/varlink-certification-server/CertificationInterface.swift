/// The definition of org.varlink.certification, the interface varlink
/// implementations are certified against. Its types, methods and errors must match
/// the reference definition exactly (a test compares the two models); the comments
/// are ours.
enum CertificationInterface {
    static let text = """
        # Certifies a varlink implementation. A client calls Start, Test01 to Test11
        # and End in this order, passing each reply on to the next call; a server
        # checks every call it receives, byte for byte in meaning, and fails the run
        # with CertificationError at the first difference.
        interface org.varlink.certification

        type Interface (
          foo: ?[]?[string](foo, bar, baz),
          anon: (foo: bool, bar: bool)
        )

        type MyType (
          object: object,
          enum: (one, two, three),
          struct: (first: int, second: string),
          array: []string,
          dictionary: [string]string,
          stringset: [string](),
          nullable: ?string,
          nullable_array_struct: ?[](first: int, second: string),
          interface: Interface
        )

        method Start() -> (client_id: string)

        method Test01(client_id: string) -> (bool: bool)

        method Test02(client_id: string, bool: bool) -> (int: int)

        method Test03(client_id: string, int: int) -> (float: float)

        method Test04(client_id: string, float: float) -> (string: string)

        method Test05(client_id: string, string: string) -> (
          bool: bool,
          int: int,
          float: float,
          string: string
        )

        method Test06(
          client_id: string,
          bool: bool,
          int: int,
          float: float,
          string: string
        ) -> (
          struct: (
            bool: bool,
            int: int,
            float: float,
            string: string
          )
        )

        method Test07(
          client_id: string,
          struct: (
            bool: bool,
            int: int,
            float: float,
            string: string
          )
        ) -> (map: [string]string)

        method Test08(client_id: string, map: [string]string) -> (set: [string]())

        method Test09(client_id: string, set: [string]()) -> (mytype: MyType)

        # Answers with several replies ("continues"); must be called with "more".
        method Test10(client_id: string, mytype: MyType) -> (string: string)

        # Must be called with "oneway".
        method Test11(client_id: string, last_more_replies: []string) -> ()

        method End(client_id: string) -> (all_ok: bool)

        # The client id is unknown: Start was not called, or the run failed or ended.
        error ClientIdError ()

        # A call differs from what the certification expects.
        error CertificationError (wants: object, got: object)

        """
}
